# Development defaults, as in the tutorial: the API on 3001, the Next.js app on 3000.
FLASK_APP=app.py
FLASK_RUN_HOST=localhost
FLASK_RUN_PORT=3001
ENVIRONMENT=DEV
FRONTEND_URL=http://localhost:3000
