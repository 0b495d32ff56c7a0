#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/ynl/check-uapi.py YNL_DIR SPEC HEADER
#
# The header is generated from the spec by scripts/ynl-gen.py; check
# that it numbers everything as the kernel's own YNL library does (which
# is what cli.py and any other generic client will send and expect):
# every command, attribute, enum value, flag and constant the spec
# implies has, in HEADER, the C name the kernel's generator would give
# it and the same value, and every enumerator of the header is in the
# spec.  The values on the spec's side are those the kernel's YNL
# library (YNL_DIR/lib) computes from it, the header's are those a C
# compiler reads from it.  The attribute types are checked against the
# header's comments ("u32", "be32", "string", "nest", "6 bytes"...).
#
# Prints one kselftest-style TEST line per part of the spec and, after
# a failed one, what differs; exits 1 if anything failed.

import os
import re
import subprocess
import sys
import tempfile

results = {'pass': 0, 'fail': 0}


def report(desc, problems):
    ok = not problems
    print('TEST: %-64s [%s]' % (desc, ' OK ' if ok else 'FAIL'))
    for p in problems[:20]:
        print('    | ' + p)
    results['pass' if ok else 'fail'] += 1


def c_upper(name):
    return name.upper().replace('-', '_')


def header_enums(text):
    """{enum name: [(enumerator, comment)]} of the header."""
    enums = {}
    for m in re.finditer(r'enum\s+(\w+)\s*\{(.*?)\};', text, re.S):
        items = []
        for line in m.group(2).splitlines():
            e = re.match(r'\s*(\w+)\s*(?:=[^,]*)?,?\s*(?:/\*\s*(.*?)\s*\*/)?\s*$',
                         line)
            if e:
                items.append((e.group(1), e.group(2) or ''))
        enums[m.group(1)] = items
    return enums


def header_values(header, names, strings):
    """Values of the integer NAMES and string STRINGS, by compiling."""
    src = ['#include <stdio.h>', '#include "%s"' % os.path.abspath(header),
           'int main(void)', '{']
    for n in names:
        src.append('\tprintf("%%s %%lld\\n", "%s", (long long)(%s));' % (n, n))
    for n in strings:
        src.append('\tprintf("%%s %%s\\n", "%s", %s);' % (n, n))
    src += ['\treturn 0;', '}']
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, 'v.c')
        exe = os.path.join(tmp, 'v')
        with open(c, 'w') as f:
            f.write('\n'.join(src) + '\n')
        subprocess.run(['cc', '-Wall', '-Werror', '-o', exe, c], check=True)
        out = subprocess.run([exe], check=True, capture_output=True,
                             text=True).stdout
    vals = {}
    for line in out.splitlines():
        k, v = line.split(' ', 1)
        vals[k] = v if k in strings else int(v)
    return vals


# The first word of a header comment that names a type, and the spec's
# type it stands for.
def spec_type_word(attr):
    t = attr.type
    if t == 'u32' and attr.byte_order == 'big-endian':
        return 'be32'
    if t == 'binary':
        n = attr.yaml.get('checks', {}).get('exact-len')
        return '%s bytes' % n if n else 'binary'
    return t


TYPE_WORDS = {'u8', 'u16', 'u32', 'u64', 'be32', 'string', 'nest', 'flag',
              '6 bytes', '16 bytes'}



def compare_values(items, vals):
    """What differs between the spec's (C name, value) pairs and the header."""
    problems = []
    for cname, value in items:
        if cname not in vals:
            problems.append('%s (%d in the spec) is not in the header'
                            % (cname, value))
        elif vals[cname] != value:
            problems.append('%s is %d in the spec, %d in the header'
                            % (cname, value, vals[cname]))
    return problems

def main():
    if len(sys.argv) != 4:
        sys.exit('usage: check-uapi.py YNL_DIR SPEC HEADER')
    ynl, spec_path, header = sys.argv[1:]
    sys.path.insert(0, ynl)
    from lib import SpecFamily  # the kernel's own reading of a spec

    spec = SpecFamily(spec_path, schema_path='')
    text = open(header).read()
    enums = header_enums(text)
    fam = spec.yaml['name']

    # (description, header enum, [(C name, value, spec object)], max name)
    parts = []
    ops_pfx = spec.yaml['operations'].get('name-prefix', fam + '-')
    parts.append(('commands', spec.yaml['operations'].get('enum-name'),
                  [(c_upper(ops_pfx + op.name), op.value, None)
                   for op in spec.msgs.values()], None))
    for name, aset in spec.attr_sets.items():
        if 'subset-of' in aset.yaml:
            continue        # the attributes of its parent, rendered there
        pfx = aset.yaml.get('name-prefix', '%s-%s-a-' % (fam, name))
        ename = aset.yaml.get('enum-name', 'unset')
        if ename is None:
            # Rendered by the enum of the same names (drops: drop-reason).
            ename = [e for e, items in enums.items()
                     if items and items[0][0].startswith(c_upper(pfx))]
            ename = ename[0] if ename else None
        parts.append(('attribute set %s' % name, ename,
                      [(c_upper(pfx + a.name), a.value, a)
                       for a in aset.attrs.values()], None))
    defines = []
    consts = []
    for name, const in spec.consts.items():
        t = const['type']
        if t == 'enum':
            pfx = const.yaml.get('name-prefix', '%s-%s-' % (fam, name))
            parts.append(('enum %s' % name, const.yaml.get('enum-name'),
                          [(c_upper(pfx + e.name), e.value, None)
                           for e in const.entries.values()], None))
        elif t == 'flags':
            pfx = const.yaml.get('name-prefix', '%s-%s-' % (fam, name))
            defines.append(('flags %s' % name,
                            [(c_upper(pfx + e.name),
                              e.user_value(as_flags=True))
                             for e in const.entries.values()]))
        elif t == 'const':
            consts.append((c_upper('%s-%s' % (fam, name)), const['value']))
    defines.append(('constants', consts))

    hdr_names = {n for items in enums.values() for n, _ in items}
    for m in re.finditer(r'^#define\s+(\w+)', text, re.M):
        hdr_names.add(m.group(1))
    strings = ['SEGFILTER_GENL_NAME'] + \
        [c_upper('%s-mcgrp-%s' % (fam, g)) for g in spec.mcast_groups]
    strings = [s for s in strings if s in hdr_names]
    wanted = {n for _, _, items, _ in parts for n, _, _ in items} | \
        {n for _, items in defines for n, _ in items} | \
        {n for items in enums.values() for n, _ in items} | \
        {'SEGFILTER_GENL_VERSION'}
    vals = header_values(header, sorted(wanted & hdr_names - set(strings)),
                         strings)

    covered = set()
    type_problems = []
    typed = 0
    for desc, ename, items, _ in parts:
        problems = []
        if ename not in enums:
            problems.append('no enum %s in the header' % ename)
        problems += compare_values(((c, v) for c, v, _ in items), vals)
        if ename in enums:
            covered.add(ename)
            spec_names = {n for n, _, _ in items}
            comments = dict(enums[ename])
            for n, _ in enums[ename]:
                if n in spec_names or n.startswith('__'):
                    continue
                # Commands and attribute sets start at 1: their UNSPEC
                # (0) is implicit.
                if n.endswith('_UNSPEC') and vals.get(n) == 0 and \
                        not desc.startswith('enum'):
                    continue
                problems.append('%s (%s in the header) is not in the spec'
                                % (n, vals.get(n)))
            # The largest value and the __..._MAX count, where the header has one.
            cnt = [n for n, _ in enums[ename] if n.startswith('__')]
            if cnt and items:
                top = max(v for _, v, _ in items)
                if vals.get(cnt[0]) != top + 1:
                    problems.append('%s is %s, the spec ends at %d'
                                    % (cnt[0], vals.get(cnt[0]), top))
            for cname, _, attr in items:
                if attr is None or cname not in comments:
                    continue
                word = re.split(r'[,:(]', comments[cname])[0].strip()
                if word not in TYPE_WORDS:
                    continue
                typed += 1
                if word != spec_type_word(attr):
                    type_problems.append('%s: "%s" in the header, %s in the spec'
                                         % (cname, word, spec_type_word(attr)))
        report('spec and uapi agree: %s' % desc, problems)

    for ename in sorted(set(enums) - covered):
        report('spec and uapi agree: enum %s of the header' % ename,
               ['the spec has nothing rendered as enum %s' % ename])

    for desc, items in defines:
        report('spec and uapi agree: %s' % desc,
               compare_values(items, vals))

    problems = []
    if vals.get('SEGFILTER_GENL_NAME') != fam:
        problems.append('family name: %s in the spec, %s in the header'
                        % (fam, vals.get('SEGFILTER_GENL_NAME')))
    if vals.get('SEGFILTER_GENL_VERSION') != spec.yaml.get('version', 1):
        problems.append('version: %s in the spec, %s in the header'
                        % (spec.yaml.get('version', 1),
                           vals.get('SEGFILTER_GENL_VERSION')))
    for g in spec.mcast_groups:
        d = c_upper('%s-mcgrp-%s' % (fam, g))
        if vals.get(d) != g:
            problems.append('multicast group %s: %s in the header'
                            % (g, vals.get(d)))
    report('spec and uapi agree: family name, version, multicast groups',
           problems)
    if not typed:
        type_problems.append('no attribute comment of the header names a type')
    report('attribute types agree with the header\'s comments (%d)' % typed,
           type_problems)

    sys.exit(1 if results['fail'] else 0)


if __name__ == '__main__':
    main()
