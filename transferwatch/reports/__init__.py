"""HTML and PDF documents: packets, agency profiles, public transparency report. Built by the meetings issue."""
