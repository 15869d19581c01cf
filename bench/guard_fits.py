#!/usr/bin/python3
"""guard_fits.py OLD.jsonl NEW.jsonl: grid --explain lines compared per fit: twice_nll new - old (data fits:
free, fixed_poi, bkg_only: a positive one is a fit that ended higher), CLs changes, the q's."""
import json, sys
A = [json.loads(l) for l in open(sys.argv[1])]; B = [json.loads(l) for l in open(sys.argv[2])]
d = {}; cls = 0; worst = {}
for a, b in zip(A, B):
    assert a['patch'] == b['patch']
    for k in ('CLs_obs',):
        if k in a: cls = max(cls, abs(a[k] - b[k]))
    for x, y in zip(a.get('CLs_exp', []), b.get('CLs_exp', [])): cls = max(cls, abs(x - y))
    if 'upper_limit' in a:
        ua, ub = a['upper_limit'], b['upper_limit']
        va = ua if isinstance(ua, list) else [ua.get('observed')] + list(ua.get('expected', [])) if isinstance(ua, dict) else [ua]
        vb = ub if isinstance(ub, list) else [ub.get('observed')] + list(ub.get('expected', [])) if isinstance(ub, dict) else [ub]
        for x, y in zip(va, vb):
            if x and y:
                r = abs(x - y) / abs(x)
                if r > worst.get('limit', (0,))[0]: worst['limit'] = (r, a['patch'])
    ea, eb = a.get('explain', {}), b.get('explain', {})
    for k, v in ea.items():
        if isinstance(v, dict) and 'twice_nll' in v and k in eb:
            dd = eb[k]['twice_nll'] - v['twice_nll']
            lo, hi = d.get(k, (0, 0)); d[k] = (min(lo, dd), max(hi, dd))
            if dd > worst.get(k, (0,))[0]: worst[k] = (dd, a['patch'])
print(f"max |dCLs| {cls:.2e}")
for k, (lo, hi) in d.items(): print(f"{k}: d twice_nll in [{lo:.2e}, {hi:.2e}]  largest rise at {worst.get(k, (0, '-'))[1]}")
if 'limit' in worst: print(f"limits: max relative {worst['limit'][0]:.2e} at {worst['limit'][1]}")
