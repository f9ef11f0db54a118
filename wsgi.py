from kennisbank import create_app

app = create_app()
