"""The network a carrier runs: stops, routes (ordered stops with offsets) and vehicles."""
