"""Data in: agencies, bookings (into the Parquet warehouse) and ICE detainer releases, each import recorded."""
