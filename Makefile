# The two commands of the README: `make demo` and `make test`. Both bootstrap .venv on first use.
.PHONY: demo test install lint format bench bench-bilan

demo:
	scripts/demo.sh

test:
	scripts/test.sh

install:
	scripts/bootstrap.sh

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# Benchmark of the monthly hours (import of 10,000 rows, grid of 200 placements) on PostgreSQL: bench/README.md.
bench: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/clauses}" .venv/bin/python bench/hours.py

# Benchmark of the bilans (PDF of the largest demo territory at scale 10) on PostgreSQL: bench/README.md.
bench-bilan: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/clauses}" .venv/bin/python bench/bilan.py
