"""Built-in YAML recipes (installed as the package ``dataprep.recipes``)."""
