import { describe, expect, it } from '@jest/globals';
import { renderComplianceReport, type ReportRisk } from '../app/introspection/report.js';

const risk = (overrides: Partial<ReportRisk>): ReportRisk => ({
  fingerprint: 'k',
  ruleId: 'rls_disabled_in_public',
  title: 'RLS Disabled in Public',
  detail: 'Table `public.profiles` is public, but RLS has not been enabled.',
  severity: 'critical',
  status: 'open',
  objectIdentity: 'public.profiles',
  isNew: false,
  resolvedNow: false,
  ...overrides,
});

describe('compliance report', () => {
  const report = renderComplianceReport({
    target: 'db.example.com/postgres',
    scannedAt: new Date('2026-11-22T03:00:00Z'),
    scanId: 42,
    objectCounts: { table: 12, function: 3, policy: 0 },
    columnCount: 80,
    unreadable: [{ kind: 'policies', reason: 'permission denied for table pg_policy' }],
    risks: [
      risk({ fingerprint: 'a', isNew: true, fixSql: 'alter table public.profiles enable row level security;', planId: 7, why: 'Anyone with the anon key reads every row.' }),
      risk({ fingerprint: 'b', ruleId: 'unindexed_foreign_keys', title: 'Unindexed foreign keys', severity: 'low', objectIdentity: 'public.notes' }),
      risk({ fingerprint: 'c', ruleId: 'function_search_path_mutable', title: 'Function Search Path Mutable', severity: 'high', status: 'resolved', resolvedNow: true, objectIdentity: 'public.f()' }),
      risk({ fingerprint: 'd', ruleId: 'extension_in_public', title: 'Extension in Public', severity: 'high', status: 'accepted', objectIdentity: 'pg_trgm', waiver: { reason: 'moving in Q3', expires: '2026-12-31' } }),
    ],
  });

  it('totals open, new, resolved and accepted risks per severity', () => {
    expect(report).toContain('Scanned 2026-11-22 03:00 UTC (scan 42): 3 functions, 12 tables; 80 columns.');
    expect(report).toMatch(/\| 🟥 critical \| 1 \| 1 \| 0 \| 0 \|/);
    expect(report).toMatch(/\| 🟧 high \| 0 \| 0 \| 1 \| 1 \|/);
    expect(report).toMatch(/\| \*\*total\*\* \| \*\*2\*\* \| \*\*1\*\* \| \*\*1\*\* \| \*\*1\*\* \|/);
  });

  it('lists what is new and what was resolved, and details the top risks with their fix and plan', () => {
    expect(report).toMatch(/## New since the last scan\n\n- 🟥 \*\*critical\*\* RLS Disabled in Public — `public\.profiles`/);
    expect(report).toMatch(/## Resolved since the last scan\n\n- 🟧 \*\*high\*\* Function Search Path Mutable — `public\.f\(\)`/);
    expect(report).toContain('Why it matters: Anyone with the anon key reads every row.');
    expect(report).toContain('`platform-kit remediate --plan 7`');
    expect(report).toContain('```sql\nalter table public.profiles enable row level security;\n```');
    // Critical before low.
    expect(report.indexOf('### 🟥')).toBeLessThan(report.indexOf('### 🟦'));
  });

  it('shows waived risks with their reason and what could not be read', () => {
    expect(report).toContain('| Extension in Public | `pg_trgm` | moving in Q3 | 2026-12-31 |');
    expect(report).toContain('- policies: not readable with this role (permission denied for table pg_policy); shown as unknown, not as absent.');
  });

  it('says so when nothing is open', () => {
    const clean = renderComplianceReport({ target: 't', scannedAt: new Date(0), objectCounts: {}, columnCount: 0, unreadable: [], risks: [] });
    expect(clean).toContain('No open risks. ✅');
    expect(clean).not.toContain('## Top risks');
  });
});
