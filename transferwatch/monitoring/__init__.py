"""Plan part P1: monitoring runs over the bookings warehouse, their stored results and flags. Built by the monitoring issue."""
