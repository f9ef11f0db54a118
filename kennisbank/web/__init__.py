"""What every blueprint shares: view helpers, templating, error pages, base forms, security headers and the
Markdown filter. Sits between the blueprints and the services."""
