#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/vm/python-files.py YNL_DIR SPEC
#        tests/vm/python-files.py --import MODULE...
#
# Print, one a line, the files of the host's Python that the kernel's
# YNL client (YNL_DIR/cli.py) needs to drive the family of SPEC: the
# interpreter, the modules it imports (source and compiled) and their
# extension modules.  tests/vm/run.sh copies them into the guest's
# initramfs when ynl.sh runs there, instead of the whole standard
# library.  Found by running cli.py itself here: the host has no
# segfilter family, so it stops at the family lookup, after everything
# it needs on its way to the socket is imported.
#
# With --import: the same for a test's own Python code, which imports
# the MODULEs (named on the script's "# guest-python:" line), e.g.
# metrics.sh's prometheus_client.parser (Debian's
# python3-prometheus-client).

import contextlib
import importlib
import io
import os
import runpy
import sys


def run_ynl():
    ynl, spec = sys.argv[1:]
    sys.path.insert(0, ynl)
    sys.argv = [os.path.join(ynl, 'cli.py'), '--spec', spec, '--no-schema',
                '--output-json', '--dump', 'domain-get']
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(sys.argv[0], run_name='__main__')
        except BaseException:  # the family is missing here, as expected
            pass
    import pprint  # noqa: F401 (cli.py prints replies with it)
    return ynl


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == '--import':
        for name in sys.argv[2:]:
            importlib.import_module(name)
        ynl = None
    elif len(sys.argv) == 3:
        ynl = run_ynl()
    else:
        sys.exit('usage: python-files.py YNL_DIR SPEC | --import MODULE...')
    import encodings.idna  # noqa: F401
    import encodings.ascii  # noqa: F401

    files = {os.path.realpath(sys.executable)}
    for mod in list(sys.modules.values()):
        for attr in ('__file__', '__cached__'):
            path = getattr(mod, attr, None)
            if not path or not os.path.isabs(path) or \
                    (ynl and path.startswith(ynl)):
                continue
            if os.path.exists(path):
                files.add(path)
    # getpath's landmark, so that the guest's python finds its prefix.
    files.add(os.path.join(os.path.dirname(os.__file__), 'os.py'))
    for f in sorted(files):
        print(f)


if __name__ == '__main__':
    main()
