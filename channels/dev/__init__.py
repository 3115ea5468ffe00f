"""Developer tools that drive the channels (the feature-phone simulator); never in production."""
