import CorsscanCore

/// What each failure class means and how to fix it on API Gateway.
///
/// The domain table first (one `Entry` per `FailureClass`), then the lookup. Sources:
/// `../shared/reference/apigateway-logs.md` (beside the repository) §2.3 (gateway responses), §3.1 (REST),
/// §3.2 (what a REST preflight gets when something is missing), §3.3 (HTTP APIs),
/// §3.4 (duplicate headers). The texts are static: nothing from a log goes in here, and
/// the HTML writer escapes them anyway.
public enum ClassGuide {
    /// The advice for one class.
    public struct Entry: Sendable {
        /// A short human title, e.g. "Preflight rejected".
        public var title: String
        /// What happened, in plain words.
        public var explanation: String
        /// The fix for a REST API.
        public var fixREST: String
        /// The fix for an HTTP API (`CorsConfiguration`).
        public var fixHTTP: String
        /// The fix when a Lambda proxy integration answers.
        public var fixLambda: String
        /// Likely causes to check, most common first (empty when the class is specific).
        public var likelyCauses: [String]
        /// A CLI / CloudFormation snippet for the REST fix (empty when none applies).
        public var snippet: String
        /// The fix in one line, for the terminal summary.
        public var firstFix: String
        /// A CLI / CloudFormation snippet for the HTTP API fix (empty when none applies).
        public var snippetHTTP: String = ""
        /// Code for the Lambda proxy fix (empty when none applies).
        public var snippetLambda: String = ""
    }

    /// The entry for `c`.
    public static func entry(_ c: FailureClass) -> Entry {
        switch c {
        case .preflightRejected: return preflightRejected
        case .missingAllowOrigin: return missingAllowOrigin
        case .originMismatch: return originMismatch
        case .multipleAllowOrigin: return multipleAllowOrigin
        case .invalidAllowOrigin: return invalidAllowOrigin
        case .wildcardWithCredentials: return wildcardWithCredentials
        case .credentialsNotAllowed: return credentialsNotAllowed
        case .methodNotAllowed: return methodNotAllowed
        case .headerNotAllowed: return headerNotAllowed
        case .invalidAllowMethods: return invalidAllowMethods
        case .invalidAllowHeaders: return invalidAllowHeaders
        case .redirectNotAllowed: return redirectNotAllowed
        case .privateNetwork: return privateNetwork
        case .gatewayErrorMasked: return gatewayErrorMasked
        case .blockedAfterPreflight: return blockedAfterPreflight
        case .unknown: return unknown
        }
    }

    // MARK: - Shared snippets

    static let optionsMockSnippet = """
        # CloudFormation: an OPTIONS method with a MOCK integration (no authorizer, no API key)
        OrdersOptions:
          Type: AWS::ApiGateway::Method
          Properties:
            RestApiId: !Ref OrdersApi
            ResourceId: !Ref OrdersResource
            HttpMethod: OPTIONS
            AuthorizationType: NONE
            ApiKeyRequired: false
            Integration:
              Type: MOCK
              RequestTemplates: { application/json: '{"statusCode": 200}' }
              IntegrationResponses:
                - StatusCode: 204
                  ResponseParameters:
                    method.response.header.Access-Control-Allow-Origin: "'https://app.example.com'"
                    method.response.header.Access-Control-Allow-Methods: "'GET,POST,OPTIONS'"
                    method.response.header.Access-Control-Allow-Headers: "'Content-Type,Authorization'"
            MethodResponses:
              - StatusCode: 204
                ResponseParameters:
                  method.response.header.Access-Control-Allow-Origin: true
                  method.response.header.Access-Control-Allow-Methods: true
                  method.response.header.Access-Control-Allow-Headers: true
        # then redeploy:
        aws apigateway create-deployment --rest-api-id <api-id> --stage-name <stage>
        """

    static let gatewayResponseSnippet = """
        # CloudFormation: CORS headers on API Gateway's own error responses
        Default4xxWithCors:
          Type: AWS::ApiGateway::GatewayResponse
          Properties:
            RestApiId: !Ref OrdersApi
            ResponseType: DEFAULT_4XX
            ResponseParameters:
              gatewayresponse.header.Access-Control-Allow-Origin: "'https://app.example.com'"
              gatewayresponse.header.Access-Control-Allow-Headers: "'Content-Type,Authorization'"
              gatewayresponse.header.Access-Control-Allow-Methods: "'GET,POST,OPTIONS'"
        # same again with ResponseType: DEFAULT_5XX

        # CLI
        aws apigateway put-gateway-response --rest-api-id <api-id> --response-type DEFAULT_4XX \\
          --response-parameters '{"gatewayresponse.header.Access-Control-Allow-Origin":"'"'"'https://app.example.com'"'"'"}'
        aws apigateway put-gateway-response --rest-api-id <api-id> --response-type DEFAULT_5XX \\
          --response-parameters '{"gatewayresponse.header.Access-Control-Allow-Origin":"'"'"'https://app.example.com'"'"'"}'
        aws apigateway create-deployment --rest-api-id <api-id> --stage-name <stage>
        """

    static let methodResponseSnippet = """
        # Non-proxy integration: declare the header on the method response, map it in the integration response
        aws apigateway put-method-response --rest-api-id <api-id> --resource-id <resource-id> \\
          --http-method GET --status-code 200 \\
          --response-parameters method.response.header.Access-Control-Allow-Origin=false
        aws apigateway put-integration-response --rest-api-id <api-id> --resource-id <resource-id> \\
          --http-method GET --status-code 200 \\
          --response-parameters '{"method.response.header.Access-Control-Allow-Origin":"'"'"'https://app.example.com'"'"'"}'
        aws apigateway create-deployment --rest-api-id <api-id> --stage-name <stage>
        """

    static let httpCorsSnippet = """
        aws apigatewayv2 update-api --api-id <api-id> --cors-configuration \\
          AllowOrigins="https://app.example.com",AllowMethods="GET,POST,OPTIONS",AllowHeaders="authorization,content-type"
        """

    static let httpCredentialsSnippet = """
        # CloudFormation (AWS::ApiGatewayV2::Api): explicit origins, credentials allowed
        CorsConfiguration:
          AllowOrigins: ["https://app.example.com"]
          AllowMethods: ["GET", "POST", "OPTIONS"]
          AllowHeaders: ["authorization", "content-type"]
          AllowCredentials: true
        """

    static let httpOptionsRouteSnippet = """
        # Let API Gateway answer preflights: set CorsConfiguration, and if $default or
        # ANY /{proxy+} has an authorizer, add an OPTIONS route without one (it outranks them)
        aws apigatewayv2 update-api --api-id <api-id> --cors-configuration \\
          AllowOrigins="https://app.example.com",AllowMethods="GET,POST,OPTIONS",AllowHeaders="authorization,content-type"
        aws apigatewayv2 create-route --api-id <api-id> --route-key 'OPTIONS /{proxy+}' \\
          --authorization-type NONE --target integrations/<integration-id>
        """

    static let lambdaHeaders = """
        // Node.js Lambda proxy: CORS headers on every response, errors included
        const ALLOWED = new Set(["https://app.example.com"]);
        export const handler = async (event) => {
          const origin = event.headers?.origin ?? event.headers?.Origin;
          const cors = ALLOWED.has(origin) ? { "Access-Control-Allow-Origin": origin, "Vary": "Origin" } : {};
          try {
            return { statusCode: 200, headers: cors, body: JSON.stringify(await work(event)) };
          } catch (err) {
            return { statusCode: 500, headers: cors, body: JSON.stringify({ message: "Internal error" }) };
          }
        };
        """

    static let lambdaCredentials = """
        // Node.js Lambda proxy: explicit origin plus credentials, never "*"
        const ALLOWED = new Set(["https://app.example.com"]);
        const origin = event.headers?.origin ?? event.headers?.Origin;
        const cors = ALLOWED.has(origin)
          ? { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin" }
          : {};
        return { statusCode: 200, headers: cors, body };
        """

    static let lambdaPreflight = """
        // Node.js, ANY /{proxy+} integration: answer the preflight before any auth check
        const method = event.httpMethod ?? event.requestContext?.http?.method;
        if (method === "OPTIONS") {
          return { statusCode: 204, headers: {
            "Access-Control-Allow-Origin": "https://app.example.com",
            "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type,Authorization,X-Api-Key",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin" } };
        }
        """

    static func optionsMappingSnippet(_ header: String, _ value: String) -> String {
        """
        # Change the OPTIONS integration response mapping, then redeploy
        aws apigateway update-integration-response --rest-api-id <api-id> --resource-id <resource-id> \\
          --http-method OPTIONS --status-code 204 \\
          --patch-operations op=replace,path=/responseParameters/method.response.header.\(header),value="'\(value)'"
        aws apigateway create-deployment --rest-api-id <api-id> --stage-name <stage>
        """
    }

    static let curlPreflightSnippet = """
        # What does the browser get? Replay the preflight and read the Access-Control-* headers
        curl -i -X OPTIONS 'https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>' \\
          -H 'Origin: https://app.example.com' \\
          -H 'Access-Control-Request-Method: POST' \\
          -H 'Access-Control-Request-Headers: authorization,content-type'
        # expect 2xx, Allow-Origin = the page's origin (or *), Allow-Methods/-Headers covering the request
        """

    static let redeploy = "Redeploy the stage afterwards (aws apigateway create-deployment): nothing is live until deployed."

    // MARK: - The table

    static let preflightRejected = Entry(
        title: "Preflight rejected",
        explanation: "The browser's OPTIONS preflight got a non-OK status (typically 403, 401 or 429), so the browser never sent the actual request. The gateway error type in the log says why: MISSING_AUTHENTICATION_TOKEN means no OPTIONS method/route matched (or the stage was not redeployed, or the URL is wrong); UNAUTHORIZED / ACCESS_DENIED / INVALID_API_KEY mean an authorizer or API key protects OPTIONS (browsers never send credentials or x-api-key on a preflight); WAF_FILTERED means a WAF rule blocked it; THROTTLED means a rate limit.",
        fixREST: "Add an OPTIONS method with a MOCK integration to every resource the browser calls (console: Enable CORS, which is not recursive), with no authorizer and no API key required, and a method/integration response that sets Access-Control-Allow-Origin, -Methods and -Headers. With SAM set Auth.AddDefaultAuthorizerToCorsPreflight: false and Auth.AddApiKeyRequiredToCorsPreflight: false. Exempt OPTIONS from WAF rules. " + redeploy,
        fixHTTP: "Set CorsConfiguration on the API: API Gateway then answers preflights itself. If a $default or ANY /{proxy+} route with an authorizer catches OPTIONS, add an OPTIONS /{proxy+} route without authorization.",
        fixLambda: "With only an ANY proxy method, the preflight reaches the function: answer OPTIONS with 204 and the CORS headers before any authentication, or add a dedicated OPTIONS method (mock).",
        likelyCauses: [
            "No OPTIONS method on the resource, or the stage not redeployed since it was added",
            "Authorizer or API key on OPTIONS (SAM adds them by default)",
            "Client calls a wrong path or stage",
            "WAF rule or throttling hits the preflight",
        ],
        snippet: optionsMockSnippet,
        firstFix: "add an OPTIONS method (MOCK integration, no authorizer/API key) to the failing resources and redeploy the stage",
        snippetHTTP: httpOptionsRouteSnippet,
        snippetLambda: lambdaPreflight)

    static let missingAllowOrigin = Entry(
        title: "Access-Control-Allow-Origin missing",
        explanation: "The response had no Access-Control-Allow-Origin header, so the browser hid it from the page. On the response stage this is the classic \"200 OK but still blocked\": the preflight passed, the request ran, but the actual response lacked the header.",
        fixREST: "Non-proxy integrations: declare Access-Control-Allow-Origin on the method response of every status code the method returns and map a value in the integration response. Proxy integrations (Lambda proxy, HTTP proxy): only the backend can add it. Preflight stage: the OPTIONS method's integration response must map it. " + redeploy,
        fixHTTP: "Add the page's origin to CorsConfiguration.AllowOrigins (the gateway ignores the backend's CORS headers when CorsConfiguration is set). Without CorsConfiguration the integration must send the header.",
        fixLambda: "Return Access-Control-Allow-Origin (and Vary: Origin) in the headers of every response the function builds, errors included.",
        likelyCauses: [],
        snippet: methodResponseSnippet,
        firstFix: "return Access-Control-Allow-Origin on every response (method/integration response, or in the Lambda's headers) and redeploy",
        snippetHTTP: httpCorsSnippet,
        snippetLambda: lambdaHeaders)

    static let originMismatch = Entry(
        title: "Allowed origin does not match the page",
        explanation: "Access-Control-Allow-Origin was present but named a different origin than the calling page (scheme, host and port must match exactly, no trailing slash).",
        fixREST: "Map the right origin in the integration responses (and gateway responses). For several origins, echo the request Origin only if it is in an allow list (a VTL template, as CDK generates) and add Vary: Origin. " + redeploy,
        fixHTTP: "Add the exact page origin (e.g. https://app.example.com, no trailing slash) to CorsConfiguration.AllowOrigins.",
        fixLambda: "Compare the request's Origin header with an allow list and echo it back when it matches; add Vary: Origin so caches keep origins apart.",
        likelyCauses: ["A new front-end domain or port not in the allow list", "http vs https, or a trailing slash", "A cached response for another origin (missing Vary: Origin)"],
        snippet: "",
        firstFix: "allow the page's exact origin (scheme://host:port) in the CORS configuration",
        snippetHTTP: httpCorsSnippet,
        snippetLambda: lambdaHeaders)

    static let multipleAllowOrigin = Entry(
        title: "Several Access-Control-Allow-Origin values",
        explanation: "The response carried Access-Control-Allow-Origin more than once or with several values; browsers accept exactly one. Usually two layers each add it: the gateway mapping and the Lambda, or a CDN in front.",
        fixREST: "Let exactly one layer set the header: with Lambda proxy remove it from either headers or multiValueHeaders (they are merged); with non-proxy don't both map a static value and pass the backend's header through. Check CloudFront response-headers policies.",
        fixHTTP: "With CorsConfiguration the backend's CORS headers are dropped, so a duplicate comes from something in front of API Gateway (CloudFront, a proxy): remove it there.",
        fixLambda: "Set Access-Control-Allow-Origin once, in headers or multiValueHeaders, not both, and not when the gateway already adds it.",
        likelyCauses: [],
        snippet: "",
        firstFix: "set Access-Control-Allow-Origin in exactly one layer (gateway, function or CDN)")

    static let invalidAllowOrigin = Entry(
        title: "Malformed Access-Control-Allow-Origin",
        explanation: "Access-Control-Allow-Origin held something that is neither * nor a single serialized origin (e.g. a list, a path, a trailing slash, quotes left over from a mapping).",
        fixREST: "Static mapping values need single quotes inside the string: \"'https://app.example.com'\". Check for stray quotes, commas or paths. " + redeploy,
        fixHTTP: "Use plain origins in CorsConfiguration.AllowOrigins, one per list entry.",
        fixLambda: "Return exactly one origin (scheme://host[:port]) or *, no list, no path.",
        likelyCauses: [],
        snippet: "",
        firstFix: "return exactly one well-formed origin or * in Access-Control-Allow-Origin",
        snippetHTTP: httpCorsSnippet)

    static let wildcardWithCredentials = Entry(
        title: "Wildcard with credentials",
        explanation: "The request carried credentials (cookies or fetch credentials: 'include') and the response used * in Access-Control-Allow-Origin (or in Allow-Headers/Allow-Methods). With credentials, browsers require the explicit origin.",
        fixREST: "Map the explicit origin instead of '*' (echo an allow-listed Origin with Vary: Origin) and add Access-Control-Allow-Credentials: 'true', on the OPTIONS method, the actual methods and the gateway responses. " + redeploy,
        fixHTTP: "Use explicit AllowOrigins with AllowCredentials: true (API Gateway rejects credentials with *).",
        fixLambda: "Echo the allow-listed Origin instead of *, list methods and headers explicitly, and return Access-Control-Allow-Credentials: true.",
        likelyCauses: [],
        snippet: "",
        firstFix: "replace * with the explicit origin (and list headers/methods) when credentials are used",
        snippetHTTP: httpCredentialsSnippet,
        snippetLambda: lambdaCredentials)

    static let credentialsNotAllowed = Entry(
        title: "Credentials not allowed",
        explanation: "The request carried credentials but the response lacked Access-Control-Allow-Credentials: true.",
        fixREST: "Add Access-Control-Allow-Credentials: 'true' to the OPTIONS integration response, the actual methods' responses and the gateway responses, with an explicit origin. " + redeploy,
        fixHTTP: "Set CorsConfiguration.AllowCredentials: true (with explicit AllowOrigins).",
        fixLambda: "Return Access-Control-Allow-Credentials: true with an explicit origin.",
        likelyCauses: ["Or the page should not send credentials: drop credentials: 'include' / withCredentials"],
        snippet: "",
        firstFix: "return Access-Control-Allow-Credentials: true with an explicit origin (or stop sending credentials)",
        snippetHTTP: httpCredentialsSnippet,
        snippetLambda: lambdaCredentials)

    static let methodNotAllowed = Entry(
        title: "Method not allowed by the preflight",
        explanation: "The preflight's Access-Control-Allow-Methods did not list the method the page wanted (e.g. PUT, PATCH, DELETE).",
        fixREST: "Add the method to the Access-Control-Allow-Methods mapping of the OPTIONS integration response (e.g. 'GET,POST,PUT,PATCH,DELETE,OPTIONS'). " + redeploy,
        fixHTTP: "Add the method to CorsConfiguration.AllowMethods.",
        fixLambda: "If the function answers OPTIONS, include the method in Access-Control-Allow-Methods.",
        likelyCauses: [],
        snippet: optionsMappingSnippet("Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,OPTIONS"),
        firstFix: "add the missing method to Access-Control-Allow-Methods on the preflight response",
        snippetHTTP: httpCorsSnippet,
        snippetLambda: lambdaPreflight)

    static let headerNotAllowed = Entry(
        title: "Request header not allowed by the preflight",
        explanation: "The page sent a non-safelisted request header (often Authorization, X-Api-Key or a custom header, or Content-Type: application/json) that the preflight's Access-Control-Allow-Headers did not list.",
        fixREST: "Add the header to the Access-Control-Allow-Headers mapping of the OPTIONS integration response (console default: 'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'). " + redeploy,
        fixHTTP: "Add the header (lower case is fine) to CorsConfiguration.AllowHeaders.",
        fixLambda: "If the function answers OPTIONS, include the header in Access-Control-Allow-Headers.",
        likelyCauses: [],
        snippet: optionsMappingSnippet("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"),
        firstFix: "add the request header (often Authorization) to Access-Control-Allow-Headers",
        snippetHTTP: httpCorsSnippet,
        snippetLambda: lambdaPreflight)

    static let invalidAllowMethods = Entry(
        title: "Malformed Access-Control-Allow-Methods",
        explanation: "The preflight's Access-Control-Allow-Methods could not be parsed as a comma-separated list of method tokens.",
        fixREST: "Fix the static mapping value: single quotes around a comma-separated list, e.g. \"'GET,POST,OPTIONS'\". " + redeploy,
        fixHTTP: "List methods as separate AllowMethods entries.",
        fixLambda: "Return a plain comma-separated list of methods.",
        likelyCauses: [],
        snippet: "",
        firstFix: "return a well-formed comma-separated Access-Control-Allow-Methods list",
        snippetHTTP: httpCorsSnippet)

    static let invalidAllowHeaders = Entry(
        title: "Malformed Access-Control-Allow-Headers",
        explanation: "The preflight's Access-Control-Allow-Headers could not be parsed as a comma-separated list of header names.",
        fixREST: "Fix the static mapping value: single quotes around a comma-separated list, e.g. \"'Content-Type,Authorization'\". " + redeploy,
        fixHTTP: "List headers as separate AllowHeaders entries.",
        fixLambda: "Return a plain comma-separated list of header names.",
        likelyCauses: [],
        snippet: "",
        firstFix: "return a well-formed comma-separated Access-Control-Allow-Headers list",
        snippetHTTP: httpCorsSnippet)

    static let redirectNotAllowed = Entry(
        title: "Redirect not allowed",
        explanation: "A redirect happened where CORS forbids it: a preflight answered with 3xx, or a redirect to a URL with credentials, or a cross-origin redirect chain the browser refused.",
        fixREST: "Call the final URL directly (custom domain vs execute-api URL, trailing slash, http to https). Preflights must answer 2xx, never redirect.",
        fixHTTP: "Same: call the final URL; make sure no route answers OPTIONS with a redirect.",
        fixLambda: "Don't return 3xx to OPTIONS or to credentialed cross-origin calls; return the resource or a 4xx.",
        likelyCauses: ["http:// URL redirected to https://", "A trailing-slash redirect", "An auth flow redirecting an API call to a login page"],
        snippet: "",
        firstFix: "call the final URL directly so that no redirect happens")

    static let privateNetwork = Entry(
        title: "Private network access blocked",
        explanation: "The browser's Private/Local Network Access check failed: a public page called a private or local address (e.g. a private API endpoint or localhost) and the preflight did not grant it.",
        fixREST: "Serve the page from the same network class, or call the API through its public endpoint. If private access is intended, answer the preflight with Access-Control-Allow-Private-Network: true.",
        fixHTTP: "Same; CorsConfiguration cannot add Access-Control-Allow-Private-Network, so answer OPTIONS from an integration if it is needed.",
        fixLambda: "Answer the preflight with Access-Control-Allow-Private-Network: true if private access is intended.",
        likelyCauses: [],
        snippet: "",
        firstFix: "call the API through a public endpoint, or grant Access-Control-Allow-Private-Network")

    static let gatewayErrorMasked = Entry(
        title: "Gateway error masked as a CORS error",
        explanation: "The actual request failed in API Gateway itself (authorizer 401/403, throttling 429, 5xx, integration timeout) and API Gateway's default error responses carry no CORS headers, so the browser reports a CORS error and hides the real status. Fix the CORS headers so the real error becomes visible, then fix the error itself (see the gateway error column).",
        fixREST: "Add the CORS headers to the Gateway Responses DEFAULT_4XX and DEFAULT_5XX (response parameters gatewayresponse.header.Access-Control-Allow-Origin …), which all un-customized error types inherit. " + redeploy,
        fixHTTP: "HTTP APIs have no customizable gateway responses; make sure CorsConfiguration is set (whether it covers gateway-generated errors is unverified) and fix the underlying authorizer, throttling or integration error.",
        fixLambda: "Errors from the function itself must carry the CORS headers too (catch exceptions and return a response with them); a crashed or malformed Lambda response becomes a gateway 502 without headers.",
        likelyCauses: [],
        snippet: gatewayResponseSnippet,
        firstFix: "add CORS headers to the Gateway Responses DEFAULT_4XX and DEFAULT_5XX and redeploy",
        snippetLambda: lambdaHeaders)

    static let blockedAfterPreflight = Entry(
        title: "Blocked after a successful preflight",
        explanation: "The preflight got a 2xx answer but the actual request never reached the gateway: the browser refused the preflight response itself. The access log cannot say which header was wrong; check the preflight response (curl -i -X OPTIONS with Origin and Access-Control-Request-Method/-Headers) for the causes below.",
        fixREST: "Make the OPTIONS integration response map Access-Control-Allow-Origin (the page's origin or *), Allow-Methods including the method, Allow-Headers including every custom header, and Allow-Credentials: 'true' with an explicit origin if credentials are sent. " + redeploy,
        fixHTTP: "Complete CorsConfiguration: AllowOrigins, AllowMethods, AllowHeaders (and AllowCredentials).",
        fixLambda: "If the function answers OPTIONS (ANY proxy), return all the preflight headers listed below.",
        likelyCauses: [
            "Access-Control-Allow-Origin missing on the preflight response, or a different origin",
            "Access-Control-Allow-Headers missing a request header (Authorization, Content-Type: application/json, X-Api-Key)",
            "Access-Control-Allow-Methods missing the method (PUT, PATCH, DELETE)",
            "Credentials sent but Allow-Credentials not true, or * used with credentials",
            "Several Access-Control-Allow-Origin values (gateway and function both add it)",
            "The page navigated away or the request was aborted (not a CORS fault)",
        ],
        snippet: curlPreflightSnippet,
        firstFix: "check the preflight response with curl -i -X OPTIONS (Origin, Allow-Headers, Allow-Methods, credentials)",
        snippetHTTP: httpCorsSnippet,
        snippetLambda: lambdaPreflight)

    static let unknown = Entry(
        title: "Unrecognised CORS error",
        explanation: "A CORS error whose cause corsscan could not recognise; the raw message is kept in the evidence.",
        fixREST: "Read the evidence message; the usual REST checklist is: OPTIONS method with mock integration, CORS headers on method/integration responses, Gateway Responses DEFAULT_4XX/DEFAULT_5XX, redeploy.",
        fixHTTP: "Check CorsConfiguration (AllowOrigins, AllowMethods, AllowHeaders, AllowCredentials).",
        fixLambda: "Check the CORS headers the function returns on every response.",
        likelyCauses: [],
        snippet: "",
        firstFix: "read the evidence messages in incidents.csv",
        snippetHTTP: httpCorsSnippet)
}
