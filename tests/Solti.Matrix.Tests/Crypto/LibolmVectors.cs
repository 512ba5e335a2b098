namespace Solti.Matrix.Tests.Crypto;

/// <summary>Known answers from libolm itself (Debian's python3-olm 3.2.13, libolm 3.2.13), recorded once: our side ran
/// with <see cref="MockRandom"/> (tag 'A' for our Alice, 'B' from 0x80 for our Bob, 'M' for our Megolm session), libolm's
/// side with its own randomness, and every message was read by the other implementation before it was recorded.
/// "ours_to_libolm": our outbound session to a libolm account (libolm read m1 and m2; its reply is here);
/// "libolm_to_ours": libolm's outbound session to our account (libolm read our reply);
/// "libolm_megolm": a libolm outbound group session's key and messages at index 0 and 200;
/// "ours_megolm_libolm_read": our outbound group session's key and messages, as libolm decrypted them.</summary>
internal static class LibolmVectors
{
    public const string Json = """
        {
          "libolm": "Debian python3-olm 3.2.13 (libolm 3.2.13)",
          "ours_to_libolm": {
            "bob_curve25519": "6Je5sHdGwuLV7fiS4QpISch1UwOnVmCak6Pnj4RlmSU",
            "bob_one_time_key": "RcslR3ZQQR9mt01EhFPHO9R/MI06AT1XTns6GYzxvlQ",
            "bob_session_id": "TNhzcRdA3gLoGCCWP5bqHUcD3/jjuIVmi7k13v8j0p4",
            "alice_curve25519": "3i6dF5tK4UMB+RSgHR1g6Hi9hSKpp0z8alUrYyn9dUw",
            "m1": {
              "type": 0,
              "body": "AwogRcslR3ZQQR9mt01EhFPHO9R/MI06AT1XTns6GYzxvlQSIFDwi4mQecAUHmDUkrlRqKVXelMZjLEO9htQCKZrbfxRGiDeLp0Xm0rhQwH5FKAdHWDoeL2FIqmnTPxqVStjKf11TCJPAwog1g5NLrb43IU10JaIrjRx+lHYHfjHyMVXBLqnUeJN3RIQACIg4mQw4TGvaX+L/cjWycGOQ2kSxhAMcCgtKqWomnmblspRWoxvDgO+rA"
            },
            "m1_plaintext_libolm_read": "Hello libolm, from solti-matrix",
            "reply": {
              "type": 1,
              "body": "AwogiJK7O006NHHdojacIQrU/8iUsTmn7NgBk3MjopfIxxsQACIwzn5nm128JULSBeCkC74TdqLZRDuva2xAW9JUFIvwIaeWAwHT5Vi5eXxSLEd4dDSGgZS1xV9HJgw"
            },
            "m2": {
              "type": 1,
              "body": "AwogOBjoHjQEaAQZYxFn9ejjSjiIDwgR4o1z0hhQrghwQh8QACIwoN7A8jnl0lQ0RlEixwgURc3+tucWqyLddg/g+xYorY3y3/cD9V/C03PpFlh3LPN2hpEVeYhkkjc"
            },
            "m2_plaintext_libolm_read": "And a normal message after the reply"
          },
          "libolm_to_ours": {
            "alice_curve25519": "da9unzeARxnw9dQGp+WYpa5r0LdqFgPtC1OkNIeOtGc",
            "bob_curve25519": "oCmRYwQWRRFfWPpquDAiEA3yRbur6emb4fF7lRgB6m8",
            "bob_one_time_key": "0KMaE9yn/zqHIr1kWnnzhLk2teXbHT8uuxG88drKH00",
            "alice_session_id": "GXde2vAHsuzHNQqG3l7x9BkxeWKRgUx+Pd44Y69+YV8",
            "m1": {
              "type": 0,
              "body": "Awog0KMaE9yn/zqHIr1kWnnzhLk2teXbHT8uuxG88drKH00SICtXWRqfP0Tky69mvdN2IFmawItHcclVvqV/wpm91DJlGiB1r26fN4BHGfD11Aan5ZilrmvQt2oWA+0LU6Q0h460ZyJPAwog3zGscMN2i9itEcR+uSLk8VA5/6UA3SvJSQHAenec5HIQACIgKnH498+4p2ibuOUY2WlnO+4EwjQhwSRoIfFIMlN4OZsSTOkjMsxMoQ"
            },
            "reply": {
              "type": 1,
              "body": "AwogPDe04vwtjPdqibhJmdhLU2x92yXL0Y4k9JxJxkzywhcQACIw8PjF8pg1jKC4w5PxchshfcwDXtABy3LwoY0y29QeKZgmmWy6d6RbLe0arhe5y/uEbMVSfbyJLLI"
            },
            "reply_plaintext_libolm_read": "Hello libolm, solti-matrix answers"
          },
          "libolm_megolm": {
            "session_id": "Hqg2WH/gF2kugkW2VaO9o/O2v02v9vPYGbVhGsg6O/s",
            "session_key": "AgAAAAAckPiFfKudRv+Z2eX9iY4IpP1BkyDJ/qsPAuV4M/AnKm9dxOwOKd7g89yPgOTHipA6w/h2VSGHJ46b2vf51w9m0FbXlfJGksWVCQckpmjFB63wLG+o78irrSwYbALRBGP2PKxCZZKH9OUDKr/mgb0VRB9fDz11eK3QKEg4N4ePCh6oNlh/4BdpLoJFtlWjvaPztr9Nr/bz2Bm1YRrIOjv77tQtBwcIUwUIpVoP6HDbEqEtpKZtkhrYYtThc7ofnyeJL5Gi+SPRIKWL5GV1OSBoiFxuN6C/6bzrCcCisxVJBg",
            "messages": {
              "0": "AwgAEiCeNScetx6QACJ2ExDRD99MdhRiZ65LhNwHeu+msW8zWpO+xAVnFEl/du3lMvoeZ5+vPQp/s3A1eze7/99q0evgqe1bKGJVqHuKmy7LlKujDetUdaTg2vps3Wb/KlSXtoJkLUL4VPnsBw",
              "200": "AwjIARIgsBrYI/CEE92IPFG4UXzZ14eeh/8dd7SwUwpqoPDB0+uQ6+ZE5PaCc+DBiqIBVKqClaNO2t6llPkn8c0p35s17QwsCMzTcVPmHK0cWQo4doTA3+ls1/NkfrlGmFtHm93X/XCmkBzesw4"
            }
          },
          "ours_megolm_libolm_read": {
            "session_id": "uSxjM1yaoZh+gYs4P+yOFiNKGN3dXz3mQNJZhTydPjg",
            "session_key": "AgAAAABNAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE0BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBTQICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgJNAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA7ksYzNcmqGYfoGLOD/sjhYjShjd3V895kDSWYU8nT44AXj2tDI+SEDyWbfuzYJvKlR5BDuJcpPZmy+2bCJ693bHE/iHl6GcxUihAF0vqhetHiTGzbb5+FLI2grZmDu/BA",
            "m0": "AwgAEjAeE+VseRur2HqLnBAi+pmY9mBrJiKMWkGwyUEAjXDaVIQrXEJ0RwPbJiO6bed/Ewf9CmSSRLh8/CkhKPG4vEB/2EHWLrkURK4TzOlzxzrameCTAahfAS9uIWlFsFCnr8E8lzAfllhkzocNYMsjVtZKT6+KqCnW/AA",
            "m1": "AwgBEhDYLoGtoj2DILQKwqWkNeAjmtWDkk5uOFexyVEnKdmx5yrlHYVvJmqSQ0XmFmTpoE67/gT3+rlS8uoNAxfyQy5uCMFwgK/NagQaNwz7lCPRwTlSkYzKoskC",
            "m300": "AwisAhIQxAYGdu2x1Gd8y5DJFsGDnFmeAHx0zAhB/t+Im8INQ/7boGpGcBqNKgeWBCtDYWB35SDUdPMW7cW4K4vLVFc/lqHz8d8kCawcui+KBKVp//Cs8hFHBjF2AQ",
            "libolm_read": {
              "m0": [
                "Megolm from solti-matrix, index 0",
                0
              ],
              "m1": [
                "index 1",
                1
              ],
              "m300": [
                "index 300",
                300
              ]
            }
          }
        }
        """;
}
