"""Search: stops and cities by what a passenger types, trips offered between two places."""
