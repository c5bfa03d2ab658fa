# TAP-style checks for the shell walkthroughs: `check <description> <command...>` prints
# "ok - ..." or "not ok - ..." and counts; `report` prints "# pass N" / "# fail N" and returns
# non-zero if anything failed. Sourced, not run.
pass=0
fail=0

check() { # check <description> <command...>
  local description=$1
  shift
  if "$@" >/dev/null 2>&1; then
    pass=$((pass + 1)); echo "ok - $description"
  else
    fail=$((fail + 1)); echo "not ok - $description"
  fi
}

report() {
  echo "# pass $pass"
  echo "# fail $fail"
  [ "$fail" -eq 0 ]
}
