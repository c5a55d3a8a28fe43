"""Plan part P4: quarterly CRCL/ICE meetings, packets, minutes and action items. Built by the meetings issue."""
