"""The read queries behind the portal's pages, one module per area; every query is for one customer
(its id comes from the login's own customer accounts) and costs a few indexed reads.
"""
