"""Plan parts P5, P6, P7: notices to DHS leadership, DOJ and state AG referrals, remedial measures. Built by the casework issue."""
