"""Plan part P1: monitoring runs over the bookings warehouse, their stored results, and monitoring allegations for newly significant agencies. Built by the monitoring issue."""
