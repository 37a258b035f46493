import AWSCore
import Foundation
import Testing

@Suite("Wire codecs and error decoding")
struct CodecTests {
    @Test("XML: namespaces, entities, CDATA, self-closing elements and the prolog")
    func xml() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <s3:Error xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><Code>NoSuchKey</Code>
            <Message>The key &lt;a&amp;b&gt; &#x263A; &#65; is &quot;gone&quot;</Message><Key><![CDATA[x<&>y]]></Key><Empty/></s3:Error>
            """
        let root = try XMLNode.parse(Data(text.utf8))
        #expect(root.name == "Error")
        #expect(root.text(at: "Code") == "NoSuchKey")
        #expect(root.text(at: "Message") == "The key <a&b> ☺ A is \"gone\"")
        #expect(root.text(at: "Key") == "x<&>y")
        #expect(root.child("Empty")?.text == "")
        #expect(throws: XMLParseError.self) { try XMLNode.parse(Data("<a><b></a>".utf8)) }
        #expect(throws: XMLParseError.self) { try XMLNode.parse(Data("<a>".utf8)) }
        #expect(XMLNode.escape("<a & 'b'>") == "&lt;a &amp; &apos;b&apos;&gt;")
    }

    @Test("errors decode per protocol, with code, message, status and request id")
    func errorDecoding() {
        let lambda = HTTPResponse(
            status: 412,
            headers: [
                "x-amzn-ErrorType": "PreconditionFailedException:http://internal.amazon.com/",
                "x-amzn-RequestId": "req-1",
            ],
            body: Data(
                #"{"Type":"User","message":"The Revision Id provided does not match the latest Revision Id."}"#.utf8))
        let decodedLambda = AWSErrorDecoder.decode(
            lambda, protocol: .restJSON, service: "Lambda", operation: "UpdateAlias")
        #expect(
            decodedLambda
                == AWSServiceError(
                    service: "Lambda", operation: "UpdateAlias", code: "PreconditionFailedException",
                    message: "The Revision Id provided does not match the latest Revision Id.", status: 412,
                    requestId: "req-1"))

        let s3 = HTTPResponse(
            status: 400, headers: ["x-amz-request-id": "s3-req"],
            body: Data(
                "<Error><Code>BadDigest</Code><Message>The SHA256 you specified did not match.</Message><RequestId>s3-req</RequestId></Error>"
                    .utf8))
        let decodedS3 = AWSErrorDecoder.decode(s3, protocol: .restXML, service: "S3", operation: "PutObject")
        #expect(decodedS3.code == "BadDigest" && decodedS3.status == 400 && decodedS3.requestId == "s3-req")

        let sts = HTTPResponse(
            status: 400,
            body: Data(
                """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredTokenException</Code><Message>Token expired</Message></Error><RequestId>sts-req</RequestId></ErrorResponse>
                """.utf8))
        let decodedSTS = AWSErrorDecoder.decode(
            sts, protocol: .query, service: "STS", operation: "AssumeRoleWithWebIdentity")
        #expect(
            decodedSTS.code == "ExpiredTokenException" && decodedSTS.message == "Token expired"
                && decodedSTS.requestId == "sts-req")

        let cloudWatch = HTTPResponse(
            status: 400,
            body: Data(#"{"__type":"com.amazonaws.cloudwatch#ThrottlingException","message":"Rate exceeded"}"#.utf8))
        let decodedCW = AWSErrorDecoder.decode(
            cloudWatch, protocol: .json10, service: "CloudWatch", operation: "GetMetricData")
        #expect(decodedCW.code == "ThrottlingException" && decodedCW.message == "Rate exceeded")

        let head = HTTPResponse(status: 404)
        #expect(
            AWSErrorDecoder.decode(head, protocol: .restXML, service: "S3", operation: "HeadObject").code == "NotFound")
        #expect(
            decodedLambda.description
                == "Lambda UpdateAlias was refused: PreconditionFailedException: The Revision Id provided does not match the latest Revision Id. (HTTP 412, request id req-1)"
        )
    }

    @Test("timestamps format and parse by hand, in UTC")
    func timestamps() throws {
        let date = try #require(AWSTimestamp.parse("2015-08-30T12:36:00Z"))
        #expect(date.timeIntervalSince1970 == 1_440_938_160)
        #expect(AWSTimestamp.amzDate(date) == "20150830T123600Z")
        #expect(AWSTimestamp.iso8601(date) == "2015-08-30T12:36:00Z")
        #expect(AWSTimestamp.parse("20150830T123600Z") == date)
        #expect(AWSTimestamp.parse("2015-08-30T14:36:00+02:00") == date)
        #expect(AWSTimestamp.parse("2015-08-30T12:36:00.250Z")?.timeIntervalSince1970 == 1_440_938_160.25)
        #expect(AWSTimestamp.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")  // a leap day
        #expect(AWSTimestamp.parse("2015-13-01T00:00:00Z") == nil)
        #expect(AWSTimestamp.parse("yesterday") == nil)
    }

    @Test("query-protocol bodies encode names and values")
    func queryBody() {
        #expect(
            QueryEncoding.body(
                action: "AssumeRole", version: "2011-06-15", parameters: [("RoleArn", "arn:aws:iam::1:role/a b")])
                == "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b")
    }
}
