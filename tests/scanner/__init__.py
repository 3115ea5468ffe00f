"""The driver's scanner page (/scan) and the API it adds."""
