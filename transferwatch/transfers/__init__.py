"""Plan part P2: people, their convictions and charges, and ICE transfer requests."""
