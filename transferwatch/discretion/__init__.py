"""Plan part P3: CRCL prosecutorial-discretion requests to ICE with field and HQ review. Built by the casework issue."""
