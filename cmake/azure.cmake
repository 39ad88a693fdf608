# The Azure adapter component: rdptriage::azure (library rdptriage_azure).
# ARM REST over libcurl (Debian libcurl4-openssl-dev: proxies from the
# environment, CA bundles, HTTP/2), JSON through Boost.JSON. Included from the
# top-level CMakeLists.txt when RDPTRIAGE_AZURE is ON.
find_package(CURL 7.85 REQUIRED)  # CURLOPT_PROTOCOLS_STR

file(GLOB RDPTRIAGE_AZURE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/lib/azure/*.cc)
add_library(rdptriage_azure STATIC ${RDPTRIAGE_AZURE_SOURCES})
add_library(rdptriage::azure ALIAS rdptriage_azure)
set_target_properties(rdptriage_azure PROPERTIES EXPORT_NAME azure CXX_EXTENSIONS OFF
                      POSITION_INDEPENDENT_CODE ON)
target_compile_features(rdptriage_azure PUBLIC cxx_std_20)
# Its public headers come with rdptriage (linked PUBLIC below).
target_include_directories(rdptriage_azure PRIVATE ${PROJECT_SOURCE_DIR}/lib)
target_link_libraries(rdptriage_azure
  PUBLIC rdptriage Threads::Threads
  PRIVATE CURL::libcurl Boost::json Boost::headers)
rdptriage_use_build_flags(rdptriage_azure)

# The Run Command script ships with the rules, as data
# (share/rdptriage/rules/run_command/), in the build tree as when installed.
set(_run_command_dir ${PROJECT_BINARY_DIR}/share/rdptriage/rules/run_command)
file(GLOB RDPTRIAGE_RUN_COMMAND_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/rules/run_command/*)
set(_run_command_copies)
foreach(f IN LISTS RDPTRIAGE_RUN_COMMAND_FILES)
  get_filename_component(n ${f} NAME)
  add_custom_command(OUTPUT ${_run_command_dir}/${n}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${f} ${_run_command_dir}/${n}
    DEPENDS ${f} VERBATIM)
  list(APPEND _run_command_copies ${_run_command_dir}/${n})
endforeach()
add_custom_target(rdptriage_run_command_script ALL DEPENDS ${_run_command_copies})
add_dependencies(rdptriage_rules rdptriage_run_command_script)

function(rdptriage_install_azure)
  install(TARGETS rdptriage_azure EXPORT rdptriageAzureTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/include/rdptriage/azure.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rdptriage)
  install(FILES ${RDPTRIAGE_RUN_COMMAND_FILES}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/rdptriage/rules/run_command)
  install(EXPORT rdptriageAzureTargets NAMESPACE rdptriage::
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rdptriage)
endfunction()
