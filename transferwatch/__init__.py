"""TransferWatch: CRCL's monitoring of the local agencies that hand people over to ICE."""

__version__ = "0.1.0"
