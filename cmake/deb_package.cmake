# The Debian package CPack makes of what cmake/install.cmake installs: `cpack -G DEB` in the
# build dir, or scripts/package.

set(POLLER_DEB_MAINTAINER "poller maintainers <maintainers@users.noreply.r-seed-79d38d66.example>"
    CACHE STRING "Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME poller)
set(CPACK_PACKAGE_VENDOR "poller")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "${POLLER_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${POLLER_DEB_MAINTAINER}")
# poller_<version>_<arch>.deb, as Debian names its own packages.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps turns the libraries the binary links (OpenSSL, Boost.URL/JSON, spdlog, fmt, ...)
# into a Depends line with the versions of this Debian release.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "jq")
# The release preset keeps debug info (RelWithDebInfo); the package does not need it.
set(CPACK_STRIP_FILES ON)
# CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY on the first line and indents this text below it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "poller fetches every URL of a list in rounds on a fixed schedule, over one
keep-alive HTTP/HTTPS connection per host, and prints the bodies, NDJSON
records or curl-style write-out lines. Every fetch is bounded in time and
size; a failure is one line on stderr, and the exit status says whether
any fetch failed. SIGHUP re-reads the list.")
include(CPack)
