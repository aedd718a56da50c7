#!/usr/bin/env bash
# Set up .venv like start_all_services.sh does, then run the whole test suite.
# The suite starts its own Redis on a free port, its own worker and API processes.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bootstrap_venv worker,test

if [[ ! -x /usr/bin/chromium ]] && [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi

# With a docker client but no Compose, Debian's docker-compose lets the tests validate docker/compose.yaml.
if command -v docker > /dev/null && ! docker compose version > /dev/null 2>&1 && ! command -v docker-compose > /dev/null \
    && [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    echo "installing Debian's docker-compose to validate the compose file"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose > /dev/null
fi

exec .venv/bin/python -m pytest "$@"
