"""The `gridbot` command line: one module per command group (main: run, demo, db;
org; staff; cadre: export, bulletin; nlp retrain)."""
