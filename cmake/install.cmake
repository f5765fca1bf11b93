# What `cmake --install` puts where.
# Exactly three files are installed: the binary (src/CMakeLists.txt), the man page and the bash
# completion. Tests, gtest and the test support library install nothing.

# The man page is installed gzipped, as Debian policy (12.3) wants it in a package and man-db
# reads it anywhere; -n leaves out the name and time stamp, so the build is reproducible.
set(poller_man_page ${PROJECT_BINARY_DIR}/poller.1.gz)
add_custom_command(OUTPUT ${poller_man_page}
                   COMMAND gzip -9 -n -c ${PROJECT_SOURCE_DIR}/man/poller.1 > ${poller_man_page}
                   DEPENDS ${PROJECT_SOURCE_DIR}/man/poller.1
                   COMMENT "Compressing the man page")
add_custom_target(poller_man_page ALL DEPENDS ${poller_man_page})
install(FILES ${poller_man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# bash-completion loads a command's completion lazily from a file named after the command.
install(FILES ${PROJECT_SOURCE_DIR}/completions/poller.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME poller)
