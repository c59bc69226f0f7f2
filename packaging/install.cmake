# Runs at install time (cmake --install / make install), when CMAKE_INSTALL_PREFIX is the
# prefix really installed to, so the unit file names the installed paths even when the
# prefix is given only at install time. SSEHUB_SOURCE_DIR is set by the caller.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(sysconfdir "/etc")
else()
  set(sysconfdir "${CMAKE_INSTALL_PREFIX}/etc")
endif()
set(CMAKE_INSTALL_FULL_BINDIR "${CMAKE_INSTALL_PREFIX}/bin")
set(CMAKE_INSTALL_FULL_SYSCONFDIR "${sysconfdir}")
set(unit_dir "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")

configure_file("${SSEHUB_SOURCE_DIR}/packaging/ssehub.service.in" "${unit_dir}/ssehub.service" @ONLY)
# file(INSTALL) adds DESTDIR itself.
file(INSTALL "${SSEHUB_SOURCE_DIR}/packaging/ssehub.socket"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
message(STATUS "Installing: ${unit_dir}/ssehub.service")

# The default config is installed once: an operator's edited file is never overwritten.
set(conf "$ENV{DESTDIR}${sysconfdir}/ssehub/ssehub.conf")
if(EXISTS "${conf}")
  message(STATUS "Keeping existing: ${conf}")
elseif(EXISTS "${SSEHUB_SOURCE_DIR}/packaging/ssehub.conf")
  file(INSTALL "${SSEHUB_SOURCE_DIR}/packaging/ssehub.conf" DESTINATION "${sysconfdir}/ssehub")
endif()
