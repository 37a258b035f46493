import LambdaShiftCore
import CCurl
import FoundationEssentials
import Glibc
import Dispatch
import Synchronization

/// Proxy settings for the transport, taken from HTTPS_PROXY / HTTP_PROXY / NO_PROXY by the
/// caller (the transport itself never reads the environment).
package struct ProxySettings: Sendable, Equatable {
    package var httpsProxy: String?
    package var httpProxy: String?
    package var noProxy: String?

    package init(httpsProxy: String? = nil, httpProxy: String? = nil, noProxy: String? = nil) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
    }

    /// The variables as curl and the AWS SDKs read them: upper or lower case.
    package init(environment: Environment) {
        self.init(
            httpsProxy: environment["HTTPS_PROXY"] ?? environment["https_proxy"],
            httpProxy: environment["HTTP_PROXY"] ?? environment["http_proxy"],
            noProxy: environment["NO_PROXY"] ?? environment["no_proxy"])
    }
}

/// HTTP over libcurl. Easy handles are pooled so connections are reused; bodies are streamed
/// from memory or from a file range; TLS verification is always on; a cancelled task aborts
/// its transfer at once.
package final class CurlTransport: HTTPTransport {
    private let proxy: ProxySettings
    private let pool = Mutex<[CurlEasyHandle]>([])

    package init(proxy: ProxySettings = ProxySettings()) {
        self.proxy = proxy
    }

    package func send(_ request: HTTPRequest, timeout: HTTPTimeouts) async throws -> HTTPResponse {
        let handle = pool.withLock { $0.popLast() } ?? CurlEasyHandle()
        let transfer = CurlTransfer(request: request)
        let proxy = self.proxy
        let result: Result<HTTPResponse, HTTPTransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A blocking transfer must not take a thread of the global concurrent queue: on
                // Linux that pool is as wide as the CPUs and also runs Swift's tasks, so two
                // slow uploads on two cores stopped the packaging beside them. A queue of its
                // own runs on dispatch's overcommit pool, which adds a thread when it needs one.
                DispatchQueue(label: "lambda-shift.transfer").async {
                    continuation.resume(returning: handle.perform(transfer, timeout: timeout, proxy: proxy))
                }
            }
        } onCancel: {
            transfer.cancel()
        }
        pool.withLock { if $0.count < 16 { $0.append(handle) } }
        return try result.get()
    }
}

/// One libcurl easy handle; reset between requests, which keeps its live connections.
final class CurlEasyHandle: @unchecked Sendable {
    // Used by one request at a time: the pool hands it out exclusively.
    let raw: UnsafeMutableRawPointer?

    init() { raw = ls_curl_easy_init() }
    deinit { if let raw { ls_curl_easy_cleanup(raw) } }

    func perform(_ transfer: CurlTransfer, timeout: HTTPTimeouts, proxy: ProxySettings) -> Result<
        HTTPResponse, HTTPTransportError
    > {
        let request = transfer.request
        let url = request.url
        guard let raw else {
            let reason = ls_curl_load().map { String(cString: $0) } ?? "libcurl could not create a handle"
            return .failure(
                HTTPTransportError(
                    kind: .libraryMissing,
                    message:
                        "libcurl could not be loaded (\(reason)): install libcurl 4 (Debian and Ubuntu: apt-get install libcurl4)",
                    url: url))
        }
        let h = raw
        ls_curl_easy_reset(h)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { ls_curl_slist_free_all(headerList) }

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        ls_curl_setopt_string(h, CURLOPT_URL, url)
        ls_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
        ls_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        ls_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1)
        ls_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2)
        ls_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        ls_curl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1)
        ls_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(timeout.connect * 1000)))
        ls_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(timeout.total * 1000)))
        // The proxy is set explicitly, "" meaning none, so curl never consults the environment itself.
        let proxyURL = (request.endpoint.scheme == "https" ? proxy.httpsProxy : proxy.httpProxy) ?? ""
        ls_curl_setopt_string(h, CURLOPT_PROXY, proxyURL)
        if let noProxy = proxy.noProxy { ls_curl_setopt_string(h, CURLOPT_NOPROXY, noProxy) }

        ls_curl_setopt_data_callback(h, CURLOPT_WRITEFUNCTION, curlWriteBody)
        ls_curl_setopt_pointer(h, CURLOPT_WRITEDATA, context)
        ls_curl_setopt_data_callback(h, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        ls_curl_setopt_pointer(h, CURLOPT_HEADERDATA, context)
        ls_curl_setopt_long(h, CURLOPT_NOPROGRESS, 0)
        ls_curl_setopt_xferinfo_callback(h, curlProgress)
        ls_curl_setopt_pointer(h, CURLOPT_XFERINFODATA, context)

        let bodyLength = request.body.length
        switch request.method {
        case "GET" where bodyLength == 0:
            ls_curl_setopt_long(h, CURLOPT_HTTPGET, 1)
        case "HEAD":
            ls_curl_setopt_long(h, CURLOPT_NOBODY, 1)
        default:
            if bodyLength > 0 || request.method == "POST" || request.method == "PUT" {
                ls_curl_setopt_long(h, CURLOPT_UPLOAD, 1)
                ls_curl_setopt_offset(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(bodyLength))
                ls_curl_setopt_data_callback(h, CURLOPT_READFUNCTION, curlReadBody)
                ls_curl_setopt_pointer(h, CURLOPT_READDATA, context)
                ls_curl_setopt_seek_callback(h, curlSeekBody)
                ls_curl_setopt_pointer(h, CURLOPT_SEEKDATA, context)
            }
            ls_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, request.method)
        }

        for (name, value) in request.headers where name.lowercased() != "host" {
            headerList = ls_curl_slist_append(headerList, "\(name): \(value)")
        }
        // curl adds these by itself unless told not to; they are not part of the signature.
        if bodyLength < 1 << 20 { headerList = ls_curl_slist_append(headerList, "Expect:") }
        headerList = ls_curl_slist_append(headerList, "Accept:")
        headerList = ls_curl_slist_append(headerList, "User-Agent: lambda-shift")
        ls_curl_setopt_slist(h, CURLOPT_HTTPHEADER, headerList)

        if let error = transfer.openBody() {
            return .failure(HTTPTransportError(kind: .bodyUnreadable, message: error, url: url))
        }
        defer { transfer.closeBody() }

        let code = ls_curl_easy_perform(h)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: ls_curl_easy_strerror(code)) : detail
            return .failure(
                HTTPTransportError(kind: Self.kind(of: code, transfer: transfer), message: message, url: url))
        }
        var status = 0
        ls_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: transfer.responseHeaders, body: transfer.responseBody))
    }

    private static func kind(of code: CURLcode, transfer: CurlTransfer) -> HTTPTransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .connect
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE: .connectionLost
        case CURLE_ABORTED_BY_CALLBACK: transfer.isCancelled ? .cancelled : .other
        case CURLE_READ_ERROR: .bodyUnreadable
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            .tls
        default: .other
        }
    }
}

/// The state of one transfer that libcurl's callbacks reach through their context pointer.
final class CurlTransfer: @unchecked Sendable {
    // Written by libcurl's callbacks on the transfer's thread only; read after perform returns.
    let request: HTTPRequest
    var responseBody = Data()
    var responseHeaders = HTTPHeaders()
    private let cancelled = Atomic<Bool>(false)
    private var fd: Int32 = -1
    private var position: UInt64 = 0

    init(request: HTTPRequest) { self.request = request }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func openBody() -> String? {
        position = 0
        guard case .file(let path, _, _) = request.body else { return nil }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        return fd < 0 ? "cannot open \(path): \(String(cString: strerror(errno)))" : nil
    }

    func closeBody() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Copies up to `capacity` body bytes into `buffer`; returns the count, 0 at the end,
    /// or nil on a read error.
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int? {
        let remaining = request.body.length - position
        let want = Int(min(UInt64(capacity), remaining))
        guard want > 0 else { return 0 }
        switch request.body {
        case .empty:
            return 0
        case .bytes(let data):
            let start = Int(position)
            let copied = data.withUnsafeBytes { source -> Bool in
                guard let base = source.baseAddress else { return false }
                buffer.copyMemory(from: base + start, byteCount: want)
                return true
            }
            guard copied else { return nil }
            position += UInt64(want)
            return want
        case .file(_, let offset, _):
            let got = pread(fd, buffer, want, off_t(offset + position))
            guard got >= 0 else { return nil }
            position += UInt64(got)
            return got
        }
    }

    func seek(to offset: UInt64) -> Bool {
        guard offset <= request.body.length else { return false }
        position = offset
        return true
    }

    func appendHeaderLine(_ line: String) {
        let trimmed = line.trimmed()
        if trimmed.hasPrefix("HTTP/") {
            responseHeaders = HTTPHeaders()  // a new response (after 100 Continue) starts over
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = String(trimmed[..<colon]).trimmed(newlines: false)
        let value = String(trimmed[trimmed.index(after: colon)...]).trimmed(newlines: false)
        responseHeaders.add(name, value)
    }
}

private func transfer(_ context: UnsafeMutableRawPointer?) -> CurlTransfer? {
    guard let context else { return nil }
    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
}

private let curlWriteBody: ls_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let transfer = transfer(context) else { return 0 }
    let total = size * count
    transfer.responseBody.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: total)
    return total
}

private let curlWriteHeader: ls_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let transfer = transfer(context) else { return 0 }
    let total = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: total), as: UTF8.self)
    transfer.appendHeaderLine(line)
    return total
}

private let curlReadBody: ls_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let transfer = transfer(context) else { return Int(CURL_READFUNC_ABORT) }
    if transfer.isCancelled { return Int(CURL_READFUNC_ABORT) }
    return transfer.read(into: buffer, capacity: size * count) ?? Int(CURL_READFUNC_ABORT)
}

private let curlSeekBody: ls_curl_seek_callback = { context, offset, origin in
    guard let transfer = transfer(context), origin == SEEK_SET, offset >= 0 else {
        return Int32(CURL_SEEKFUNC_CANTSEEK)
    }
    return transfer.seek(to: UInt64(offset)) ? Int32(CURL_SEEKFUNC_OK) : Int32(CURL_SEEKFUNC_FAIL)
}

private let curlProgress: ls_curl_xferinfo_callback = { context, _, _, _, _ in
    // A non-zero return aborts the transfer: how a cancelled task stops a running request.
    (transfer(context)?.isCancelled ?? true) ? 1 : 0
}
