# Registered as the browser tests when CMake found no node: under CI=true that is a failure;
# elsewhere a skip (ctest "Not Run" through SKIP_REGULAR_EXPRESSION) noted in SSEHUB_SKIP_LOG.
set(what "node not found when CMake ran: the browser tests cannot run (Debian package nodejs)")
if("$ENV{CI}" MATCHES "^([Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss])$")
  message(FATAL_ERROR "CI=true and a dependency is missing: ${what}")
endif()
if(DEFINED ENV{SSEHUB_SKIP_LOG})
  file(APPEND "$ENV{SSEHUB_SKIP_LOG}" "${TEST}: ${what}\n")
endif()
message("SKIP: ${TEST}: ${what}")
