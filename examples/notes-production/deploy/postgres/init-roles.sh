#!/bin/sh
# Creates the two database roles of notes-production (roles.psql) when the postgres container first
# initialises its volume. For a volume created before, run roles.psql by hand (see its header).
# The image's entrypoint sources this file (it is not executable) with its own `set -e`: a failure
# stops the initialisation.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner_role=mcp_owner -v owner_password="$MCP_DB_OWNER_PASSWORD" \
  -v app_role=mcp_app -v app_password="$MCP_DB_APP_PASSWORD" \
  -f /docker-entrypoint-initdb.d/roles.psql
