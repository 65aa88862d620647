"""The web: one Flask blueprint per feature (survey, results, organisations, downloads, console, api, pages),
with what they share in ``helpers``, ``i18n``, ``forms``, ``report`` and ``assets``. Blueprints never import
each other; views stay thin and leave SQL to the store and rules to the core."""
