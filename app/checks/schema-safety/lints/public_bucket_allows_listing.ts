import { defineCatalogLint } from './define.js';

/**
 * A warning as in splinter.
 */
export const lint = defineCatalogLint({
  id: 'public_bucket_allows_listing',
  title: 'Public Bucket Allows Listing',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A public storage bucket has a broad SELECT policy on storage.objects, which lets clients list every file.',
  fixable: true,
  requires: { relations: ['storage.buckets', 'storage.objects'] },
});
