export const id = 775;
export const ids = [775];
export const modules = {

/***/ 6775:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   openSupabaseControlPlane: () => (/* binding */ openSupabaseControlPlane)
/* harmony export */ });
/* harmony import */ var _supabase_supabase_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7956);
/* harmony import */ var ws__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3077);
/* harmony import */ var _client_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9093);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(950);
/* harmony import */ var _transport_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9564);
/**
 * The control plane on hosted Supabase through supabase-js and the service role key
 * (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`).
 *
 * It relies on these PostgREST features only, so any PostgREST-compatible endpoint that offers them
 * will do (the tests use test/helpers/postgrest-lite.ts):
 *   - `POST /rest/v1/rpc/<fn>` with a JSON object of named arguments and `Content-Profile: ops`;
 *     the result is the function's JSON (an array for a set, an object for a composite, a scalar);
 *   - `GET /rest/v1/<table>?select=*&<column>=eq.<value>&order=<column>.<asc|desc>&limit=<n>` with
 *     `Accept-Profile: ops`;
 *   - errors as `{code, message, details, hint}`: the RPCs put the field at fault in DETAIL
 *     (`field: ...`), which is how the typed errors get `field` here;
 *   - the JWT in `Authorization: Bearer`, whose `role` claim (service_role) the request runs as.
 *
 * The Data API must expose `ops` for this to work: add it to the project's exposed schemas
 * (`[api] schemas` in supabase/config.toml, or Settings → Data API). See supabase/README.md.
 */





function failure(error, operation) {
    // A network failure surfaces as an error without a SQLSTATE (`TypeError: fetch failed`).
    if (!error.code && /fetch failed|ECONNREFUSED|network/i.test(error.message ?? '')) {
        return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConnectionError */ .Rc(`${operation}: ${error.message ?? 'the API cannot be reached'}`, { operation, detail: error.details }, { cause: error });
    }
    return (0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .toControlPlaneError */ .np)(error, operation);
}
function openSupabaseControlPlane(options = {}) {
    const url = options.url ?? process.env.SUPABASE_URL;
    const key = options.serviceRoleKey ?? process.env.SUPABASE_SERVICE_ROLE_KEY;
    if (!url || !key)
        throw new Error('the Supabase control plane needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (or url and serviceRoleKey)');
    const client = (0,_supabase_supabase_js__WEBPACK_IMPORTED_MODULE_3__.createClient)(url, key, {
        db: { schema: 'ops' },
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        // Node 20 has no global WebSocket; realtime-js needs one even though this client never subscribes.
        realtime: { transport: ws__WEBPACK_IMPORTED_MODULE_0__/* ["default"] */ .Ay },
        global: options.fetch ? { fetch: options.fetch } : undefined,
    });
    const transport = {
        async call(call) {
            const args = Object.fromEntries((0,_transport_js__WEBPACK_IMPORTED_MODULE_4__/* .givenArgs */ .J)(call).map(([name, value]) => [name, value]));
            const { data, error } = await client.rpc(call.fn, args);
            if (error)
                throw failure(error, call.fn);
            return data;
        },
        async select(query) {
            let builder = client.from(query.table).select('*');
            for (const [column, value] of Object.entries(query.eq ?? {}))
                builder = builder.eq(column, value);
            for (const { column, ascending } of query.order ?? [])
                builder = builder.order(column, { ascending });
            if (query.limit !== undefined)
                builder = builder.limit(query.limit);
            const { data, error } = await builder;
            if (error)
                throw failure(error, query.table);
            return (data ?? []);
        },
        // Nothing to release: the client never opens a realtime channel, and fetch keeps no session.
        // (removeAllChannels() would arm realtime-js' 10 s disconnect timer and hold the process.)
        async close() { },
    };
    return Object.assign((0,_client_js__WEBPACK_IMPORTED_MODULE_1__/* .createControlPlane */ .W)('supabase', transport), { kind: 'supabase', client });
}


/***/ })

};
