#!/usr/bin/env python3
"""Real reports against the JSON Schema the package installs.

Runs the built CLI the way users do (--json) over every bundled world,
every example observations file, the real client-error pastes of the
corpus (test/data/client_error_corpus.json: public threads) and a live
probe of a closed loopback port, and checks each report
  1. validates against schema/report.schema.json (draft 2020-12, formats
     checked), and
  2. has no field the schema does not declare, at any depth, so the schema
     cannot fall behind report_to_json().
Also checks that decision ids differ between runs and that a given
--decision-id is carried through.

usage: report_schema_test.py CLI SOURCE_DIR [SCHEMA]
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema

cli, src = sys.argv[1], sys.argv[2]
schema_path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(src, 'schema', 'report.schema.json')
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
failures = []


def resolve(node):
    while '$ref' in node:
        ref = node['$ref']
        assert ref.startswith('#/'), ref
        target = schema
        for part in ref[2:].split('/'):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != '$ref'}}
    return node


def matches_type(value, node):
    node = resolve(node)
    if 'const' in node:
        return value == node['const']
    if 'enum' in node:
        return value in node['enum']
    kinds = node.get('type')
    if kinds is None:
        return True
    kinds = kinds if isinstance(kinds, list) else [kinds]
    py = {'object': dict, 'array': list, 'string': str, 'boolean': bool, 'null': type(None)}
    for k in kinds:
        if k in ('number', 'integer'):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return True
        elif isinstance(value, py[k]):
            return True
    return False


def undeclared(value, node, path):
    """Paths of object keys no schema node declares."""
    node = resolve(node)
    out = []
    for alt in node.get('oneOf', []):
        if matches_type(value, alt):
            out += undeclared(value, alt, path)
    if isinstance(value, dict):
        props = node.get('properties')
        extra = node.get('additionalProperties')
        for k, v in value.items():
            if props is not None and k in props:
                out += undeclared(v, props[k], f'{path}.{k}')
            elif isinstance(extra, dict):
                out += undeclared(v, extra, f'{path}.{k}')
            elif props is not None:
                out.append(f'{path}.{k}')
    elif isinstance(value, list) and 'items' in node:
        for i, v in enumerate(value):
            out += undeclared(v, node['items'], f'{path}[{i}]')
    return out


def check(label, args, expect_exit=(0, 3)):
    run = subprocess.run([cli] + args + ['--json'], capture_output=True, text=True, timeout=120)
    if run.returncode not in expect_exit:
        failures.append(f'{label}: exit {run.returncode}: {run.stderr.strip()[:300]}')
        return None
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as e:
        failures.append(f'{label}: not JSON: {e}')
        return None
    for err in validator.iter_errors(report):
        where = '/'.join(str(p) for p in err.absolute_path)
        failures.append(f'{label}: /{where}: {err.message[:200]}')
    for path in undeclared(report, schema, '$'):
        failures.append(f'{label}: {path} is not declared in the schema')
    return report


reports = []
for world in sorted(glob.glob(os.path.join(src, 'examples', 'worlds', '*.json'))):
    reports.append(check(os.path.basename(world), ['diagnose', '--world', world]))
for obs in sorted(glob.glob(os.path.join(src, 'examples', 'observations', '*.json'))):
    reports.append(check(os.path.basename(obs), ['diagnose', '--observations', obs]))
corpus = json.load(open(os.path.join(src, 'test', 'data', 'client_error_corpus.json')))
for case in corpus['cases']:
    reports.append(check(f"client error {case['id']}", ['diagnose', '--client-error', case['paste']]))
# A closed loopback port: the live probes answer (refused), nothing leaves the machine.
reports.append(check('probe 127.0.0.1:1', ['probe', '127.0.0.1:1', '--timeout', '1']))
# A host's override changes the confirmed cause: the report says so.
import tempfile
with tempfile.TemporaryDirectory() as site:
    with open(os.path.join(site, 'site.json'), 'w') as f:
        json.dump({'schema': 'rdptriage.rules/1',
                   'overrides': [{'cause': 'network.nsg_denies_rdp',
                                  'title': 'An NSG denies RDP (page the network on-call)',
                                  'reason': 'site runbook'}]}, f)
    changed = check('overridden title', ['diagnose', '--rules', site, '--world',
                                         os.path.join(src, 'examples', 'worlds', 'network.nsg_denies_rdp.json')])
    reports.append(changed)
    if changed and not changed.get('rule_changes'):
        failures.append('an overridden cause was confirmed without rule_changes')
    # The same override plus a disabled probe and a disabled candidate, as a
    # signed pack: the report names the pack and every change that bore on it.
    with open(os.path.join(site, 'site.json'), 'w') as f:
        json.dump({'schema': 'rdptriage.rules/1',
                   'overrides': [{'cause': 'network.nsg_denies_rdp', 'likelihood': 'rare'},
                                 {'disable_probe': 'netwatch.ip_flow_inbound', 'reason': 'no Network Watcher'},
                                 {'disable_cause': 'network.jit_closed'}]}, f)
    key, pub = os.path.join(site, 'k.pem'), os.path.join(site, 'k.pub')
    subprocess.run(['openssl', 'genpkey', '-algorithm', 'ed25519', '-out', key], check=True, capture_output=True)
    subprocess.run(['openssl', 'pkey', '-in', key, '-pubout', '-out', pub], check=True, capture_output=True)
    subprocess.run([cli, 'rules', 'sign', site, '--key', key, '--name', 'site', '--version', '4'],
                   check=True, capture_output=True)
    packed = check('signed pack with overrides', ['diagnose', '--rules', site, '--trusted-key', pub,
                                                  '--min-version', 'site=4', '--world',
                                                  os.path.join(src, 'examples', 'worlds', 'network.nsg_denies_rdp.json')])
    reports.append(packed)
    if packed:
        if [p['name'] for p in packed['rule_packs']] != ['site'] or packed['rule_packs'][0]['version'] != 4:
            failures.append(f"the signed pack is not named: {packed['rule_packs']}")
        kinds = {c['kind'] for c in packed['rule_changes']}
        if kinds != {'set', 'disable_probe', 'disable_cause'}:
            failures.append(f'rule_changes of the signed pack: {sorted(kinds)}')
given = check('given decision id', ['diagnose', '--world',
                                    os.path.join(src, 'examples', 'worlds', 'healthy.json'),
                                    '--decision-id', 'ticket-4711:run.2'])

reports = [r for r in reports if r]
statuses = {r['status'] for r in reports}
for s in ('confirmed', 'inconclusive', 'healthy'):
    if s not in statuses:
        failures.append(f'no report with status {s}: the sample does not cover the schema')
if not any('client_error' in r for r in reports):
    failures.append('no report with a client_error block')
if not any(r.get('next_test') for r in reports) or not any(r.get('also_confirmed') for r in reports):
    failures.append('the sample lacks a next_test or an also_confirmed candidate')
ids = [r['decision_id'] for r in reports]
if len(set(ids)) != len(ids):
    failures.append('decision ids repeat between evaluations')
if not all(r['rules_schema'] == 'rdptriage.rules/1' for r in reports):
    failures.append('a report without the rules schema')
digests = {r['rules_digest'] for r in reports if r is not changed and r is not packed}
if len(digests) != 1:
    failures.append(f'one rule set gave {len(digests)} digests')
if changed and changed['rules_digest'] in digests:
    failures.append('a rule file added to the bundled rules left the digest unchanged')
if given and given['decision_id'] != 'ticket-4711:run.2':
    failures.append(f"--decision-id not carried: {given['decision_id']}")

print(f'{len(reports)} real reports checked against {schema_path}')
if failures:
    print('\n'.join(failures[:60]))
    sys.exit(1)
