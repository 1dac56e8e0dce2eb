-- sensitive_columns_exposed: tables in an API-exposed schema ($1), selectable by anon or
-- authenticated and without row level security, holding columns whose names suggest
-- credentials or personal data.
with sensitive_names(column_name) as (
    values
        -- credentials
        ('password'), ('passwd'), ('pwd'), ('passphrase'), ('password_hash'), ('hashed_password'), ('encrypted_password'),
        ('secret'), ('secret_key'), ('client_secret'), ('private_key'), ('api_key'), ('apikey'), ('auth_key'),
        ('token'), ('jwt'), ('access_token'), ('refresh_token'), ('oauth_token'), ('session_token'), ('bearer_token'),
        ('auth_code'), ('session_id'), ('session_key'), ('session_secret'),
        ('recovery_code'), ('backup_code'), ('verification_code'), ('otp'), ('totp_secret'), ('two_factor'), ('2fa_secret'), ('2fa_code'),
        -- government identifiers
        ('ssn'), ('social_security'), ('social_security_number'), ('driver_license'), ('drivers_license'), ('license_number'),
        ('passport_number'), ('passport_id'), ('national_id'), ('tax_id'),
        -- financial
        ('credit_card'), ('credit_card_number'), ('card_number'), ('cvv'), ('cvc'), ('cvn'),
        ('bank_account'), ('account_number'), ('routing_number'), ('iban'), ('swift_code'), ('bic'),
        -- health
        ('health_record'), ('medical_record'), ('patient_id'), ('insurance_number'), ('health_insurance'), ('medical_insurance'), ('diagnosis'),
        -- devices, keys, biometrics
        ('mac_address'), ('imei'), ('device_uuid'), ('pgp_key'), ('gpg_key'), ('ssh_key'), ('license_key'), ('activation_key'),
        ('fingerprint'), ('facial_recognition')
),
exposed_tables as (
    select c.oid, n.nspname, c.relname
    from
        pg_catalog.pg_class c
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
    where
        c.relkind in ('r', 'p')
        and not c.relrowsecurity
        and n.nspname = any($1::text[])
        and (
            coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('anon'), c.oid, 'SELECT'), false)
            or coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('authenticated'), c.oid, 'SELECT'), false)
        )
        and n.nspname not like 'pg\_%'
        and n.nspname not in (
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
        )
),
sensitive_columns as (
    select t.nspname, t.relname, a.attname::text as column_name
    from
        exposed_tables t
        join pg_catalog.pg_attribute a
            on a.attrelid = t.oid
            and a.attnum > 0
            and not a.attisdropped
    where
        replace(lower(a.attname), '-', '_') in (select column_name from sensitive_names)
)
select
    'sensitive_columns_exposed' as name,
    'Sensitive Columns Exposed' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects tables exposed over the Data API without row level security that hold columns with potentially sensitive data (credentials, personal, financial or health information).' as description,
    format(
        'Table `%s.%s` is exposed over the Data API without RLS and contains potentially sensitive column(s): %s.',
        nspname, relname,
        string_agg(format('`%s`', column_name), ', ' order by column_name)
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/sensitive_columns_exposed.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', relname,
        'type', 'table',
        'sensitive_columns', array_agg(column_name order by column_name)
    ) as metadata,
    format('sensitive_columns_exposed_%s_%s', nspname, relname) as cache_key,
    format('alter table %I.%I enable row level security;', nspname, relname) as fix_sql
from
    sensitive_columns
group by
    nspname, relname
order by
    nspname, relname
