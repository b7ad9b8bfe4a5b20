-- | The transport record every bus implements, apart from the buses themselves so that each bus
-- module ("Interop.Runtime.Transport", ".Stdio", ".Shm") can build one.
module Interop.Runtime.Transport.Types
  ( Transport (..)
  , TransportBroken (..)
  ) where

import Control.Exception (Exception)
import qualified Data.ByteString as BS
import Data.Text (Text)

-- | A reliable, ordered byte stream to one peer.
data Transport = Transport
  { transportDescription :: !Text -- ^ for logs and errors: "unix:/run/x.sock", "stdio:plugin"
    -- | The next bytes; empty once the peer closed (or the transport failed). Not calling it is
    -- backpressure: the peer's writes block once the OS buffers are full.
  , transportRecv :: IO BS.ByteString
    -- | Writes every byte of the chunks, in order (one gather write when the bus has one);
    -- blocks while the peer does not read.
  , transportSend :: [BS.ByteString] -> IO ()
    -- | Closes both directions; idempotent; a blocked recv then returns empty.
  , transportClose :: IO ()
  }

-- | Thrown by 'transportRecv' when the peer broke the bytes below the frames (a shm ring index it
-- cannot have written honestly, docs/wire.md §9.3): the connection closes with UNAVAILABLE and the
-- message, and counts @rejected_frames@; the peer is not trusted to read an ERROR any more.
newtype TransportBroken = TransportBroken Text
  deriving (Show)

instance Exception TransportBroken
