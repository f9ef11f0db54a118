"""The registry: projects, lessons, networks and themes — creating and editing them, their history,
attachments, and handing over what a person who leaves still holds."""
