// Nothing to compile: the target that makes the Asio and Beast precompiled header (see
// src/CMakeLists.txt).
