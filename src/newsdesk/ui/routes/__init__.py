"""The desk's routers: sign-in, queue, article, dashboard, models, and the public sections."""
