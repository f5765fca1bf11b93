# What `cmake --install` puts where.
# Exactly three files are installed: the binary (src/CMakeLists.txt), the man page and the bash
# completion. Tests, gtest and the test support library install nothing.

install(FILES ${PROJECT_SOURCE_DIR}/man/poller.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# bash-completion loads a command's completion lazily from a file named after the command.
install(FILES ${PROJECT_SOURCE_DIR}/completions/poller.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME poller)
