"""`kyrosctl`, the command line on the SDK."""
