# Writes OUT from IN with VERSION (the project's) and REVISION (`git describe` of SRC, empty
# when SRC is not a git checkout or git is missing). Run at every build, so the revision is
# the one built; configure_file leaves OUT untouched when nothing changed, so nothing
# recompiles then.
execute_process(COMMAND git describe --tags --always --dirty
                WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE REVISION
                OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  set(REVISION "")
endif()
configure_file(${IN} ${OUT} @ONLY)
