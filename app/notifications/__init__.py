"""In-app notifications: each user's inbox of what happened to the objects they work on."""
