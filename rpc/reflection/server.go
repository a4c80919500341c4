package reflection

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// server answers reflection requests of either version.
type server struct {
	services *rpc.Server
	files    protodesc.Resolver
	exts     ExtensionResolver
}

type v1Server struct {
	reflectionv1.UnimplementedServerReflectionServer
	s *server
}

func (v v1Server) ServerReflectionInfo(stream reflectionv1.ServerReflection_ServerReflectionInfoServer) error {
	return v.s.serve(stream)
}

type v1alphaServer struct {
	reflectionv1alpha.UnimplementedServerReflectionServer
	s *server
}

// ServerReflectionInfo serves v1alpha with the v1 code and no conversion:
// v1 is v1alpha under a new package name, its messages the same on the
// wire field for field (TestVersionsMatchOnTheWire holds them to it), so
// the stream decodes v1alpha requests into v1 messages, and v1 answers
// decode as v1alpha ones at the client.
func (v v1alphaServer) ServerReflectionInfo(stream reflectionv1alpha.ServerReflection_ServerReflectionInfoServer) error {
	return v.s.serve(stream)
}

func (s *server) serve(stream rpc.ServerStream) error {
	// sent holds the paths of the files this stream has been sent. The
	// protocol lets a server leave them out of later answers, which spares
	// a client like grpcurl, which asks about one symbol at a time, the
	// same imports over and over.
	sent := make(map[string]bool)
	for {
		req := new(reflectionv1.ServerReflectionRequest)
		if err := stream.RecvMsg(req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := stream.SendMsg(s.answer(req, sent)); err != nil {
			return err
		}
	}
}

func (s *server) answer(req *reflectionv1.ServerReflectionRequest, sent map[string]bool) *reflectionv1.ServerReflectionResponse {
	resp := &reflectionv1.ServerReflectionResponse{ValidHost: req.GetHost(), OriginalRequest: req}
	switch r := req.GetMessageRequest().(type) {
	case *reflectionv1.ServerReflectionRequest_FileByFilename:
		fd, err := s.files.FindFileByPath(r.FileByFilename)
		s.setFiles(resp, fd, err, sent, fmt.Sprintf("file %q", r.FileByFilename))

	case *reflectionv1.ServerReflectionRequest_FileContainingSymbol:
		var fd protoreflect.FileDescriptor
		d, err := s.files.FindDescriptorByName(protoreflect.FullName(r.FileContainingSymbol))
		if err == nil {
			fd = d.ParentFile()
		}
		s.setFiles(resp, fd, err, sent, fmt.Sprintf("symbol %q", r.FileContainingSymbol))

	case *reflectionv1.ServerReflectionRequest_FileContainingExtension:
		msg, num := r.FileContainingExtension.GetContainingType(), r.FileContainingExtension.GetExtensionNumber()
		var fd protoreflect.FileDescriptor
		xt, err := s.exts.FindExtensionByNumber(protoreflect.FullName(msg), protoreflect.FieldNumber(num))
		if err == nil {
			fd = xt.TypeDescriptor().ParentFile()
		}
		s.setFiles(resp, fd, err, sent, fmt.Sprintf("extension %d of %q", num, msg))

	case *reflectionv1.ServerReflectionRequest_AllExtensionNumbersOfType:
		nums, err := s.extensionNumbers(protoreflect.FullName(r.AllExtensionNumbersOfType))
		if err != nil {
			resp.MessageResponse = lookupError(fmt.Sprintf("message type %q", r.AllExtensionNumbersOfType), err)
			break
		}
		resp.MessageResponse = &reflectionv1.ServerReflectionResponse_AllExtensionNumbersResponse{
			AllExtensionNumbersResponse: &reflectionv1.ExtensionNumberResponse{
				BaseTypeName:    r.AllExtensionNumbersOfType,
				ExtensionNumber: nums,
			},
		}

	case *reflectionv1.ServerReflectionRequest_ListServices:
		names := slices.Sorted(maps.Keys(s.services.GetServiceInfo()))
		list := &reflectionv1.ListServiceResponse{Service: make([]*reflectionv1.ServiceResponse, len(names))}
		for i, name := range names {
			list.Service[i] = &reflectionv1.ServiceResponse{Name: name}
		}
		resp.MessageResponse = &reflectionv1.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: list}

	default:
		// A request kind newer than this code arrives as an unknown
		// field. gRPC's C++ server answers it UNIMPLEMENTED and keeps the
		// stream, and so does this one; grpc-go ends the stream instead,
		// which costs the client everything it was sent so far.
		st := status.New(codes.InvalidArgument, "the request sets none of message_request's fields")
		if len(req.ProtoReflect().GetUnknown()) > 0 {
			st = status.New(codes.Unimplemented, "the request is of a kind this server does not know")
		}
		resp.MessageResponse = errorResponse(st)
	}
	return resp
}

// setFiles answers resp with fd and its imports, or with err, the error of
// looking up what.
func (s *server) setFiles(resp *reflectionv1.ServerReflectionResponse, fd protoreflect.FileDescriptor, err error, sent map[string]bool, what string) {
	// A placeholder stands for a file the resolver only knows by name,
	// as some other file's import; it has nothing to send.
	if err == nil && fd.IsPlaceholder() {
		err = protoregistry.NotFound
	}
	var files [][]byte
	if err == nil {
		files, err = s.withImports(fd, sent)
	}
	if err != nil {
		resp.MessageResponse = lookupError(what, err)
		return
	}
	resp.MessageResponse = &reflectionv1.ServerReflectionResponse_FileDescriptorResponse{
		FileDescriptorResponse: &reflectionv1.FileDescriptorResponse{FileDescriptorProto: files},
	}
}

// withImports returns fd and then those of its transitive imports that are
// not in sent, each a serialized FileDescriptorProto, and adds them all to
// sent. fd itself goes out even if sent before: it is the answer, and a
// client that asks again has likely not kept it.
func (s *server) withImports(fd protoreflect.FileDescriptor, sent map[string]bool) ([][]byte, error) {
	var files [][]byte
	queue := []protoreflect.FileDescriptor{fd}
	queued := map[string]bool{fd.Path(): true}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		b, err := proto.Marshal(protodesc.ToFileDescriptorProto(f))
		if err != nil {
			return nil, status.Error(codes.Internal, "serializing "+f.Path()+": "+err.Error())
		}
		files = append(files, b)
		imports := f.Imports()
		for i := range imports.Len() {
			imp := imports.Get(i).FileDescriptor
			if imp.IsPlaceholder() {
				// The registry that built f lacked this import (a file
				// in GlobalFiles importing one of the vendored protos,
				// which register privately); the resolvers may have it.
				// If none does, the client finds it missing if it needs
				// it.
				if found, err := s.files.FindFileByPath(imp.Path()); err == nil && !found.IsPlaceholder() {
					imp = found
				} else {
					continue
				}
			}
			// A file sent earlier went out with its own imports, so none
			// of them needs a visit.
			if p := imp.Path(); !sent[p] && !queued[p] {
				queued[p] = true
				queue = append(queue, imp)
			}
		}
	}
	for p := range queued {
		sent[p] = true
	}
	return files, nil
}

func (s *server) extensionNumbers(name protoreflect.FullName) ([]int32, error) {
	var nums []int32
	s.exts.RangeExtensionsByMessage(name, func(xt protoreflect.ExtensionType) bool {
		nums = append(nums, int32(xt.TypeDescriptor().Number()))
		return true
	})
	if len(nums) == 0 {
		// An extension resolver knows extensions only: to it a message
		// nobody extends and a name that is no message look the same.
		d, err := s.files.FindDescriptorByName(name)
		if err != nil {
			return nil, err
		}
		if _, ok := d.(protoreflect.MessageDescriptor); !ok {
			return nil, protoregistry.NotFound
		}
	}
	slices.Sort(nums)
	return nums, nil
}

// lookupError is the error response for a failed lookup of what: NOT_FOUND,
// as grpc-go answers every failed lookup and as clients expect (grpcurl
// tells a missing symbol from a broken server by it), unless err carries a
// gRPC status of its own, as a custom resolver's error may.
func lookupError(what string, err error) *reflectionv1.ServerReflectionResponse_ErrorResponse {
	if st, ok := status.FromError(err); ok {
		return errorResponse(status.New(st.Code(), what+": "+st.Message()))
	}
	if errors.Is(err, protoregistry.NotFound) {
		return errorResponse(status.New(codes.NotFound, what+" not found"))
	}
	return errorResponse(status.New(codes.NotFound, what+": "+err.Error()))
}

func errorResponse(st *status.Status) *reflectionv1.ServerReflectionResponse_ErrorResponse {
	return &reflectionv1.ServerReflectionResponse_ErrorResponse{
		ErrorResponse: &reflectionv1.ErrorResponse{
			ErrorCode:    int32(st.Code()),
			ErrorMessage: st.Message(),
		},
	}
}
