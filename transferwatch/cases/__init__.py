"""Plan part P1 and P8: allegations (public, ICE, CRCL monitoring) and CRCL inquiries to findings and recommendations. Built by the casework issue."""
