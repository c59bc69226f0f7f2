# Runs at install time (cmake --install / make install), when CMAKE_INSTALL_PREFIX is the
# prefix really installed to, so the unit file names the installed paths even when the
# prefix is given only at install time. SSEHUB_SOURCE_DIR and SSEHUB_SYSTEMD_UNIT_DIR (empty:
# PREFIX/lib/systemd/system) are set by the caller.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(sysconfdir "/etc")
else()
  set(sysconfdir "${CMAKE_INSTALL_PREFIX}/etc")
endif()
set(CMAKE_INSTALL_FULL_BINDIR "${CMAKE_INSTALL_PREFIX}/bin")
set(CMAKE_INSTALL_FULL_SYSCONFDIR "${sysconfdir}")
if(SSEHUB_SYSTEMD_UNIT_DIR)
  set(unit_install_dir "${SSEHUB_SYSTEMD_UNIT_DIR}")
else()
  set(unit_install_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(unit_dir "$ENV{DESTDIR}${unit_install_dir}")

configure_file("${SSEHUB_SOURCE_DIR}/packaging/ssehub.service.in" "${unit_dir}/ssehub.service" @ONLY)
# file(INSTALL) adds DESTDIR itself.
file(INSTALL "${SSEHUB_SOURCE_DIR}/packaging/ssehub.socket" DESTINATION "${unit_install_dir}")
message(STATUS "Installing: ${unit_dir}/ssehub.service")

# The unit's user (sysusers.d) and its state directory (tmpfiles.d). systemd reads these from
# /usr/lib only; for another prefix the two commands below name the files.
foreach(kind sysusers tmpfiles)
  file(INSTALL "${SSEHUB_SOURCE_DIR}/packaging/ssehub.${kind}"
       DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/${kind}.d" RENAME ssehub.conf)
endforeach()
# Installed into this very system by root (no DESTDIR): create the user and the directory now,
# as a package's postinst does, so the unit can start. Staged installs leave that to the package.
if("$ENV{DESTDIR}" STREQUAL "")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  find_program(SYSUSERS systemd-sysusers)
  find_program(TMPFILES systemd-tmpfiles)
  if(uid STREQUAL "0" AND SYSUSERS AND TMPFILES)
    execute_process(COMMAND ${SYSUSERS} "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d/ssehub.conf")
    execute_process(COMMAND ${TMPFILES} --create "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d/ssehub.conf")
  else()
    message(STATUS "As root, before starting ssehub.service: systemd-sysusers "
      "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d/ssehub.conf && systemd-tmpfiles --create "
      "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d/ssehub.conf")
  endif()
endif()

# The default config is installed once: an operator's edited file is never overwritten.
set(conf "$ENV{DESTDIR}${sysconfdir}/ssehub/ssehub.conf")
if(EXISTS "${conf}")
  message(STATUS "Keeping existing: ${conf}")
elseif(EXISTS "${SSEHUB_SOURCE_DIR}/packaging/ssehub.conf")
  file(INSTALL "${SSEHUB_SOURCE_DIR}/packaging/ssehub.conf" DESTINATION "${sysconfdir}/ssehub")
endif()
