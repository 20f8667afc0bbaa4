# AI Orchestrator. Every target but help and doctor installs what is missing first
# (scripts/dev.sh bootstrap). Without DATABASE_URL, targets use the project-local PostgreSQL
# cluster (.pgdata; see README, Settings).
.PHONY: help run test test-faults deploy revert verify status psql functions seed db-start db-stop doctor docs explain bench bench-json-schema bench-invocations bench-life-cpu admin-key api-key backup restore bootstrap
.DEFAULT_GOAL := help

DEV := scripts/dev.sh

help:       ## list the targets (this)
	@awk -F':[^#]*## ' '/^[a-z-]+:.*## / { printf "  make %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run:        ## deploy the sqitch plan and serve the API on http://127.0.0.1:8000 (HOST=, PORT=)
	@$(DEV) run
test:       ## every test: sqitch round trip, upgrade path, pgTAP, pytest against the real gateway
	@$(DEV) test
test-faults: ## only the fault test: PostgreSQL restarted under load, counts printed
	@$(DEV) test-faults
deploy:     ## sqitch deploy (idempotent)
	@$(DEV) deploy
revert:     ## sqitch revert, to TO=<change or @tag> when given
	@$(DEV) revert $(TO)
verify:     ## sqitch verify
	@$(DEV) verify
status:     ## sqitch status
	@$(DEV) status
psql:       ## psql on the database, as superuser or ROLE=reader|writer|admin|node; psql options in ARGS='-c "select 1"'
	@$(DEV) psql $(ARGS)
functions:  ## the api functions, one line each: arguments, route, summary (NAME=regex to filter)
	@$(DEV) functions
seed:       ## load sample data (SCALE=n for a generated data set)
	@$(DEV) seed
db-start:   ## start the project-local cluster
	@$(DEV) db-start
db-stop:    ## stop the project-local cluster
	@$(DEV) db-stop
docs:       ## regenerate docs/database.md from the deployed catalog
	@$(DEV) docs
explain:    ## check the plans of every query route on the seeded data (make seed SCALE=1 first)
	@$(DEV) explain
bench:      ## benchmark every route family, SQL (pgbench) against HTTP (wrk): SCALE=1 BENCH_SECONDS=2 BENCH_CLIENTS=1,8,32
	@$(DEV) bench
bench-json-schema: ## JSON Schema validation: median and p99 of one validation, timed in the server (BENCH_N=2000)
	@$(DEV) deploy >/dev/null && DATABASE_URL="$$($(DEV) url)" .venv/bin/python bench/json_schema.py
bench-invocations: ## invocation queue: SQL and gateway throughput, submit-to-claim latency, claim with 1,000,000 finished rows
	@command -v pgbench >/dev/null || { echo "pgbench is missing (it comes with the PostgreSQL server package)"; exit 1; }
	@DATABASE_URL="$$($(DEV) url)" .venv/bin/python bench/invocations.py
bench-life-cpu: ## PostgreSQL's CPU per invocation life in copies of a database, one change each, interleaved: DBS="a b ..."
	@DATABASE_URL="$$($(DEV) url)" .venv/bin/python bench/life_cpu.py $(DBS)
admin-key:  ## print the local admin API key (creating it when missing)
	@$(DEV) admin-key
api-key:    ## create an API key: make api-key ROLE=writer LABEL="ci" [NODE_ID=<uuid> for ROLE=node]
	@$(DEV) api-key
backup:     ## pg_dump (custom format) into backups/ (FILE=... to choose the file)
	@$(DEV) backup
restore:    ## restore a backup made by make backup: make restore FILE=backups/<file>.dump
	@$(DEV) restore
doctor:     ## report every prerequisite and its state; installs nothing
	@$(DEV) doctor
bootstrap:  ## install what is missing (Debian packages, .venv, node_modules) and nothing else
	@$(DEV) bootstrap
