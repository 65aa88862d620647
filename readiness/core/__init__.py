"""The core: the service's rules in plain Python, with neither Flask nor SQL. The questionnaire, the readiness
model and its scoring, combined profiles, recommendations, reference figures, the peer rules, number and date
formatting, and charts. Everything here is tested without an app or a database."""
