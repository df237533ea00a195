// Command pulumi-language-nodejs is the engine lane's Node.js language host.
//
// The real host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by the
// Go module proxy this project can reach, so the lane builds this small one against the same sdk/v3 version as the
// CLI. It does the part of the real host's job that `pulumi up/preview/destroy` and `pulumi preview --policy-pack`
// need, the same way: Run starts the Node.js SDK's own run harness (@pulumi/pulumi/cmd/run) with the engine's
// monitor address, the stack's config in PULUMI_CONFIG and the project's runtime options; RunPlugin starts
// @pulumi/pulumi/cmd/run-policy-pack for a policy pack (through the SDK's PolicyProxy, which hands the pack its
// stack configuration) or @pulumi/pulumi/cmd/run-plugin otherwise; GetRequiredPackages reports the resource
// plugins that node_modules declares (package.json "pulumi": {"resource": true}).
//
// Everything else (InstallDependencies, code generation, packing, linking, debugging, bun) answers Unimplemented:
// the lane never asks for it, and an accidental use fails loudly instead of doing something approximate.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The Node.js SDK's exit code for "the program already told the user what went wrong": report nothing more.
const exitAfterUserActionableMessage = 32

func main() {
	// The engine passes its own address as the last argument; older engines also passed flags, which are accepted
	// and ignored so that the host starts whatever calls it.
	flag.String("tracing", "", "ignored")
	flag.String("root", "", "ignored")
	flag.Bool("typescript", true, "ignored: the project's runtime options decide")
	flag.String("tsconfig", "", "ignored: the project's runtime options decide")
	flag.String("nodeargs", "", "ignored: the project's runtime options decide")
	flag.Parse()
	h := &host{}
	if args := flag.Args(); len(args) > 0 {
		h.engineAddress = args[len(args)-1]
	}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start the language host: %w", err))
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(err)
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu            sync.Mutex
	engineAddress string
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPackages lists the resource plugins that the packages installed for the program declare, so the
// engine finds (or, with automatic acquisition disabled, refuses) them before the program runs.
func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	modules, err := findNodeModules(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	packages, err := resourcePackages(modules)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// Run executes the program with the Node.js SDK's run harness and returns when it exits.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := firstNonEmpty(info.GetProgramDirectory(), req.GetPwd())
	entryPoint := firstNonEmpty(info.GetEntryPoint(), req.GetProgram(), ".")
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %v", err)}, nil
	}
	runPath, err := locateModule(programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	configJSON, err := legacyConfig(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %v", err)}, nil
	}
	secretKeys, err := json.Marshal(nonNil(req.GetConfigSecretKeys()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration secret keys: %v", err)}, nil
	}

	args := append(opts.nodeArgs, runPath)
	flagIfSet := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIfSet("monitor", req.GetMonitorAddress())
	flagIfSet("engine", h.engine())
	flagIfSet("organization", req.GetOrganization())
	flagIfSet("project", req.GetProject())
	flagIfSet("root-directory", info.GetRootDirectory())
	flagIfSet("stack", req.GetStack())
	flagIfSet("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagIfSet("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(), "PULUMI_CONFIG="+configJSON, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	env = append(env, opts.env()...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = firstNonEmpty(req.GetPwd(), programDir)
	cmd.Env = env
	// Not os.Stdout itself: Node.js may switch the descriptors it is given to non-blocking mode.
	cmd.Stdout = struct{ *os.File }{os.Stdout}
	cmd.Stderr = struct{ *os.File }{os.Stderr}
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitAfterUserActionableMessage:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
}

// RunPlugin runs a plugin written in Node.js; for a policy pack (kind "analyzer") through the SDK's PolicyProxy,
// which receives the engine's ConfigureStack call and passes the stack's configuration to the pack in the
// environment variables that @pulumi/policy reads.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	programDir := req.GetInfo().GetProgramDirectory()
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	env := append(append([]string{}, req.GetEnv()...), opts.env()...)
	analyzer := req.GetKind() == "analyzer"
	module := "@pulumi/pulumi/cmd/run-plugin"
	if analyzer {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := locateModule(programDir, module)
	if err != nil {
		return err
	}
	args := append(opts.nodeArgs, runPath)
	if analyzer {
		// run-policy-pack takes the engine address (in req.Args) first and the pack's directory last.
		args = append(append(args, req.GetArgs()...), programDir)
	} else {
		args = append(append(args, programDir), req.GetArgs()...)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = env
	cmd.Stderr = stderr
	if !analyzer {
		cmd.Dir = req.GetPwd()
		cmd.Stdout = stdout
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("plugin %s exited: %w", req.GetName(), err)
		}
		return closer.Close()
	}

	proxy, proxiedStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start policy pack proxy: %w", err)
	}
	stack, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get stack configuration: %w", err)
	}
	if stack != nil {
		setIfNonEmpty := func(name, value string) {
			if value != "" {
				cmd.Env = append(cmd.Env, name+"="+value)
			}
		}
		setIfNonEmpty("PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization())
		setIfNonEmpty("PULUMI_NODEJS_PROJECT", stack.GetProject())
		setIfNonEmpty("PULUMI_NODEJS_STACK", stack.GetStack())
		setIfNonEmpty("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
		if stack.GetConfig() != nil {
			configJSON, err := json.Marshal(stack.GetConfig())
			if err != nil {
				return fmt.Errorf("could not marshal stack configuration: %w", err)
			}
			setIfNonEmpty("PULUMI_CONFIG", string(configJSON))
		}
	}
	// Policy packs have always run in their own directory, so that they resolve their own node_modules.
	cmd.Dir = programDir
	cmd.Stdout = proxiedStdout
	if err := cmd.Start(); err != nil {
		proxy.Abort(err)
		return fmt.Errorf("could not start policy pack %s: %w", programDir, err)
	}
	if err := proxy.Attach(ctx, cmd); err != nil {
		return fmt.Errorf("policy pack %s: %w", programDir, err)
	}
	return closer.Close()
}

// runtimeOptions are the project's `runtime.options` that change how Node.js runs the program.
type runtimeOptions struct {
	typescript   bool
	tsconfigPath string
	nodeArgs     []string
}

func (o runtimeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfigPath)
	}
	return env
}

func parseOptions(options *structpb.Struct) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true} // Pulumi's default for Node.js projects
	for key, value := range options.AsMap() {
		switch key {
		case "typescript":
			b, ok := value.(bool)
			if !ok {
				return opts, fmt.Errorf("runtime option typescript must be a boolean, got %v", value)
			}
			opts.typescript = b
		case "tsconfig":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option tsconfig must be a string, got %v", value)
			}
			opts.tsconfigPath = s
		case "nodeargs":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option nodeargs must be a string, got %v", value)
			}
			opts.nodeArgs = strings.Fields(s)
		case "packagemanager":
			// Only used to install dependencies, which this host does not do.
		default:
			return opts, fmt.Errorf("runtime option %s is not supported by the engine lane's language host", key)
		}
	}
	return opts, nil
}

// legacyConfig presents config keys as <namespace>:config:<name>, the form every @pulumi/pulumi version reads.
func legacyConfig(values map[string]string) (string, error) {
	out := make(map[string]string, len(values))
	for k, v := range values {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// locateModule resolves a module the way Node.js does from dir: the nearest node_modules that has it.
func locateModule(dir, module string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", filepath.FromSlash(module))
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("could not find %s from %s: run npm ci in the project", module, dir)
		}
	}
}

// findNodeModules returns the nearest node_modules folder at or above dir.
func findNodeModules(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no node_modules at or above %s: run npm ci in the project", dir)
		}
	}
}

type pulumiPackageJSON struct {
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// resourcePackages reads every installed package (scoped ones too, one level deep as npm lays them out) and
// returns those whose package.json declares a resource plugin.
func resourcePackages(nodeModules string) ([]*pulumirpc.PackageDependency, error) {
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "@") {
			scoped, err := os.ReadDir(filepath.Join(nodeModules, e.Name()))
			if err != nil {
				return nil, err
			}
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(nodeModules, e.Name(), s.Name()))
			}
		} else if !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, filepath.Join(nodeModules, e.Name()))
		}
	}
	sort.Strings(dirs)
	seen := map[string]bool{}
	var packages []*pulumirpc.PackageDependency
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			continue // not a package (e.g. node_modules/.bin)
		}
		var pkg pulumiPackageJSON
		if err := json.Unmarshal(raw, &pkg); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
		}
		if pkg.Pulumi == nil || !pkg.Pulumi.Resource {
			continue
		}
		name := firstNonEmpty(pkg.Pulumi.Name, strings.TrimPrefix(filepath.Base(dir), "pulumi-"))
		v := firstNonEmpty(pkg.Pulumi.Version, pkg.Version)
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		if seen[name+v] {
			continue
		}
		seen[name+v] = true
		packages = append(packages, &pulumirpc.PackageDependency{Kind: "resource", Name: name, Version: v, Server: pkg.Pulumi.Server})
	}
	return packages, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func nonNil(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}
