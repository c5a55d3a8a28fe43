"""Law enforcement agencies, their facilities and populations."""
