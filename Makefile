# Entry points; every target is a thin wrapper around a script in scripts/ (see their headers).
#   make run         scripts/run.sh: the investigator against the local Kafka + PostgreSQL
#   make test        scripts/test.sh: install, stack up, tsc, bun test; last line "N passed, N failed, N skipped"
#   make stack-up    start (or reuse) the local Kafka broker and PostgreSQL
#   make stack-down  stop them
#   make stack-status
#   make build       npm run build: the compiled binary dist/investigator

.PHONY: run test stack-up stack-down stack-status build install

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

install:
	bash scripts/install.sh

stack-up:
	bash scripts/stack.sh up

stack-down:
	bash scripts/stack.sh down

stack-status:
	bash scripts/stack.sh status

build: install
	npm run build
